import { resizedInt32 } from './int32-arrays.js'
import { createStringTable, type StringTable } from './string-table.js'

/**
 * A string → list-of-integers multimap for the ~700,000 normalized names of the gazetteer.
 *
 * The keys are ids of a string table (string-table.ts), which the suggest and fuzzy indexes may
 * share, so that each name is held once; the lists are chains in typed arrays. About twice as
 * fast to fill as a `Map<string, number[]>` of the same size, and no heap object per key.
 */
export interface NameIndex {
  /** Appends `value` to the list of `key`; answers the key's id in `strings`. */
  add(key: string, value: number): number
  /** The values of `key` (most recently added first); empty when the key is unknown. */
  get(key: string): number[]
  /** Where the keys are: ids of other strings, added by the indexes sharing it, have no values. */
  readonly strings: StringTable
  readonly keyCount: number
  readonly valueCount: number
}

export function createNameIndex(
  expectedKeys = 1024,
  strings: StringTable = createStringTable(expectedKeys),
): NameIndex {
  // The first value of each string id's list; −1 for none.
  let heads = new Int32Array(Math.max(1024, expectedKeys)).fill(-1)
  let values = new Int32Array(Math.max(1024, expectedKeys))
  let next = new Int32Array(values.length)
  let valueCount = 0
  let keyCount = 0

  function pushValue(value: number, after: number): number {
    if (valueCount === values.length) {
      values = resizedInt32(values, values.length * 2)
      next = resizedInt32(next, next.length * 2)
    }
    values[valueCount] = value
    next[valueCount] = after
    return valueCount++
  }

  return {
    add(key, value) {
      const id = strings.intern(key)
      if (id >= heads.length) {
        const more = new Int32Array(Math.max(heads.length * 2, id + 1)).fill(-1)
        more.set(heads)
        heads = more
      }
      const head = heads[id] as number
      if (head === -1) keyCount++
      heads[id] = pushValue(value, head)
      return id
    },
    get(key) {
      const id = strings.find(key)
      const out: number[] = []
      if (id === -1 || id >= heads.length) return out
      for (let v = heads[id] as number; v !== -1; v = next[v] as number) {
        out.push(values[v] as number)
      }
      return out
    },
    strings,
    get keyCount() {
      return keyCount
    },
    get valueCount() {
      return valueCount
    },
  }
}

import { fnv1a } from './fnv1a.js'
import { resizedInt32 } from './int32-arrays.js'

/**
 * Interned strings packed into typed arrays: each distinct string once, as UTF-16 code units in
 * one Uint16Array, found by content through an open-addressing hash table, and named by an id
 * (0, 1, 2 … in the order of first interning). Equal ids mean equal strings and the reverse.
 *
 * The gazetteer's 711,000 normalized names were as many heap objects as JavaScript strings, and
 * every garbage collection of the process walks the objects it holds (see "Where the
 * microseconds go" in bench/README.md); these arrays are a handful of objects, their contents
 * outside the collector's heap. A string object is made only when `text(id)` is asked for.
 */
export interface StringTable {
  /** The id of `s`, added if it is new. */
  intern(s: string): number
  /** The id of `s`; −1 when it was never interned. */
  find(s: string): number
  /** The string of `id`, as a new string. */
  text(id: number): string
  length(id: number): number
  /** Code unit `i` of the string of `id`; −1 past its end. */
  unitAt(id: number, i: number): number
  /** Negative, zero or positive as the string of `id` is before, equal to or after `s` (`<` order). */
  compare(id: number, s: string): number
  startsWith(id: number, prefix: string): boolean
  /** Gives back the room kept for more strings; `intern` still works after. */
  compact(): void
  /** Distinct strings. */
  readonly size: number
  /** Code units of all of them. */
  readonly unitCount: number
}

/** Longest text made in one `String.fromCharCode` call (it takes one argument per unit). */
const TEXT_CHUNK = 1024

export function createStringTable(expectedStrings = 1024): StringTable {
  let capacity = 1 << Math.max(10, Math.ceil(Math.log2(expectedStrings * 2)))
  let slots = new Int32Array(capacity).fill(-1)
  let hashes = new Int32Array(Math.max(1024, expectedStrings))
  // The string of id spans units starts[id] … starts[id + 1] − 1.
  let starts = new Int32Array(hashes.length + 1)
  let units = new Uint16Array(Math.max(4096, expectedStrings * 8))
  let size = 0

  function holds(id: number, s: string): boolean {
    const from = starts[id] as number
    if ((starts[id + 1] as number) - from !== s.length) return false
    for (let i = 0; i < s.length; i++) if (units[from + i] !== s.charCodeAt(i)) return false
    return true
  }

  function slotOf(s: string, hash: number): number {
    const mask = capacity - 1
    let slot = hash & mask
    for (;;) {
      const id = slots[slot] as number
      if (id === -1 || (hashes[id] === hash && holds(id, s))) return slot
      slot = (slot + 1) & mask
    }
  }

  function rehash(): void {
    capacity *= 2
    slots = new Int32Array(capacity).fill(-1)
    const mask = capacity - 1
    for (let id = 0; id < size; id++) {
      let slot = (hashes[id] as number) & mask
      while (slots[slot] !== -1) slot = (slot + 1) & mask
      slots[slot] = id
    }
  }

  function makeRoom(unitsNeeded: number): void {
    if (size + 1 >= hashes.length) {
      hashes = resizedInt32(hashes, hashes.length * 2)
      starts = resizedInt32(starts, hashes.length + 1)
    }
    if (unitsNeeded > units.length) {
      let length = Math.max(4096, units.length * 2)
      while (length < unitsNeeded) length *= 2
      const bigger = new Uint16Array(length)
      bigger.set(units.subarray(0, starts[size]))
      units = bigger
    }
  }

  return {
    intern(s) {
      const hash = fnv1a(s)
      const slot = slotOf(s, hash)
      const found = slots[slot] as number
      if (found !== -1) return found
      const from = starts[size] as number
      makeRoom(from + s.length)
      const id = size++
      for (let i = 0; i < s.length; i++) units[from + i] = s.charCodeAt(i)
      starts[size] = from + s.length
      hashes[id] = hash
      slots[slot] = id
      if (size * 2 >= capacity) rehash()
      return id
    },
    find(s) {
      return slots[slotOf(s, fnv1a(s))] as number
    },
    text(id) {
      const from = starts[id] as number
      const to = starts[id + 1] as number
      let text = ''
      for (let at = from; at < to; at += TEXT_CHUNK) {
        const chunk = units.subarray(at, Math.min(to, at + TEXT_CHUNK))
        text += String.fromCharCode.apply(null, chunk as unknown as number[])
      }
      return text
    },
    length(id) {
      return (starts[id + 1] as number) - (starts[id] as number)
    },
    unitAt(id, i) {
      const at = (starts[id] as number) + i
      return at < (starts[id + 1] as number) ? (units[at] as number) : -1
    },
    compare(id, s) {
      const from = starts[id] as number
      const length = (starts[id + 1] as number) - from
      const common = Math.min(length, s.length)
      for (let i = 0; i < common; i++) {
        const difference = (units[from + i] as number) - s.charCodeAt(i)
        if (difference !== 0) return difference
      }
      return length - s.length
    },
    startsWith(id, prefix) {
      const from = starts[id] as number
      if ((starts[id + 1] as number) - from < prefix.length) return false
      for (let i = 0; i < prefix.length; i++) {
        if (units[from + i] !== prefix.charCodeAt(i)) return false
      }
      return true
    },
    compact() {
      units = units.slice(0, starts[size])
      hashes = hashes.slice(0, size + 1)
      starts = starts.slice(0, size + 2)
    },
    get size() {
      return size
    },
    get unitCount() {
      return starts[size] as number
    },
  }
}

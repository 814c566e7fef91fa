import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createNameIndex } from '../src/geo/name-index.js'
import { createStringTable } from '../src/geo/string-table.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const sign = (n: number) => Math.sign(n)

describe('the string table', () => {
  it('answers what the strings themselves would (fast-check, 300 runs of up to 300 strings)', () => {
    // Few letters and other scripts (one outside the BMP): many shared prefixes and repeats,
    // and some strings longer than one `String.fromCharCode` chunk.
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', 'ж', '東', '𠀋', ' '), maxLength: 8 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'grapheme-ascii', minLength: 1000, maxLength: 2500 }),
    )
    fc.assert(
      fc.property(fc.array(text, { maxLength: 300 }), text, (strings, probe) => {
        // A small table, so that its arrays and hash slots grow while it fills.
        const table = createStringTable(1)
        const ids = strings.map((s) => table.intern(s))
        const distinct = [...new Set(strings)]
        expect(table.size).toBe(distinct.length)
        expect(table.unitCount).toBe(distinct.reduce((sum, s) => sum + s.length, 0))
        strings.forEach((s, i) => {
          const id = ids[i] as number
          expect(table.find(s)).toBe(id)
          expect(table.intern(s)).toBe(id)
          expect(table.text(id)).toBe(s)
          expect(table.length(id)).toBe(s.length)
          expect(table.unitAt(id, 0)).toBe(s.length > 0 ? s.charCodeAt(0) : -1)
          expect(table.unitAt(id, s.length)).toBe(-1)
          expect(sign(table.compare(id, probe))).toBe(s < probe ? -1 : s > probe ? 1 : 0)
          expect(table.startsWith(id, probe)).toBe(s.startsWith(probe))
          expect(table.startsWith(id, s.slice(0, 3))).toBe(true)
        })
        // Ids are given in the order of first interning.
        expect(distinct.map((s) => table.find(s))).toEqual(distinct.map((_, i) => i))
        expect(table.find(probe)).toBe(distinct.indexOf(probe))
      }),
      { numRuns: 300, seed: 16 },
    )
  })

  it('holds 500,000 names, still answers after compact, and takes new ones after it', () => {
    const table = createStringTable(1024)
    const name = (i: number) => `place ${i.toString(36)} ${i % 7 === 0 ? 'санкт' : 'saint'}`
    for (let i = 0; i < 500_000; i++) expect(table.intern(name(i))).toBe(i)
    // Interning again adds nothing.
    for (let i = 0; i < 500_000; i += 997) expect(table.intern(name(i))).toBe(i)
    table.compact()
    expect(table.size).toBe(500_000)
    for (let i = 0; i < 500_000; i += 13) expect(table.text(table.find(name(i)))).toBe(name(i))
    expect(table.find('place 1 nowhere')).toBe(-1)
    expect(table.intern('after compact')).toBe(500_000)
    expect(table.intern(name(42))).toBe(42)
    expect(table.text(500_000)).toBe('after compact')
  })

  it('keeps 200,000 names in a handful of heap objects, outside the collected heap', () => {
    const count = 200_000
    gc()
    gc()
    const before = getHeapStatistics().used_heap_size
    const table = createStringTable(count)
    for (let i = 0; i < count; i++) table.intern(`llanfair ${i} pwllgwyngyll`)
    table.compact()
    gc()
    gc()
    const grown = getHeapStatistics().used_heap_size - before
    expect(table.size).toBe(count)
    // As strings, each of these names would be a heap object of about 40 bytes (8 MB in all):
    // the table holds typed arrays, whose contents are not on the collected heap.
    expect(grown / count).toBeLessThan(2)
  })
})

describe('the name index on a shared table', () => {
  it('answers string ids, and no values for the strings other indexes put in the table', () => {
    const strings = createStringTable()
    const index = createNameIndex(16, strings)
    const other = strings.intern('only a suggestion')
    const id = index.add('saint-jean-de-luz', 1)
    expect(index.add('saint-jean-de-luz', 2)).toBe(id)
    expect(strings.text(id)).toBe('saint-jean-de-luz')
    expect(index.get('saint-jean-de-luz')).toEqual([2, 1])
    expect(index.get(strings.text(other))).toEqual([])
    expect(index.get('saint-jean')).toEqual([])
    expect(index.keyCount).toBe(1)
    expect(index.valueCount).toBe(2)
    // Ids past the index's own room (added to the table by others) grow it.
    for (let i = 0; i < 5_000; i++) strings.intern(`other ${i}`)
    const late = index.add('late', 7)
    expect(late).toBe(strings.size - 1)
    expect(index.get('late')).toEqual([7])
    expect(index.keyCount).toBe(2)
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { allowedDistance, createFuzzyIndex, osaDistance } from '../src/geo/fuzzy-index.js'
import { createStringTable } from '../src/geo/string-table.js'

/**
 * The symmetric-delete index finds every indexed name within the distance a
 * query's length allows, whatever the edits; the distance is the optimal
 * string alignment distance, checked against a plain implementation here.
 */

/** Damerau–Levenshtein (optimal string alignment), the textbook full table. */
function reference(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const row = d[i] as number[]
      const up = d[i - 1] as number[]
      row[j] = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + cost,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1)
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number
}

const word = fc.stringMatching(/^[a-e ]{0,12}$/)

/** One random edit of `text`: delete, insert, substitute, or swap two neighbours. */
const edited = (text: string) =>
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'substitute', 'swap'),
      fc.constantFrom('a', 'x', 'z'),
    )
    .map(([at, kind, letter]) => {
      const i = text.length === 0 ? 0 : at % text.length
      if (kind === 'delete') return text.slice(0, i) + text.slice(i + 1)
      if (kind === 'insert') return text.slice(0, i) + letter + text.slice(i)
      if (kind === 'substitute') return text.slice(0, i) + letter + text.slice(i + 1)
      return text.slice(0, i) + (text[i + 1] ?? '') + (text[i] ?? '') + text.slice(i + 2)
    })

describe('osaDistance', () => {
  it('agrees with the textbook table up to its bound', () => {
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 3 }), (a, b, max) => {
        const exact = reference(a, b)
        expect(osaDistance(a, b, max)).toBe(Math.min(exact, max + 1))
      }),
      { numRuns: 2_000 },
    )
  })
})

describe('the fuzzy index', () => {
  it('finds a name from any one edit of it, once the query is long enough', () => {
    fc.assert(
      fc.property(
        fc
          .stringMatching(/^[a-h]{5,12}$/)
          .chain((name) => fc.tuple(fc.constant(name), edited(name))),
        fc.array(fc.stringMatching(/^[a-h]{3,12}$/), { maxLength: 40 }),
        ([name, typo], others) => {
          const index = createFuzzyIndex()
          for (const other of others) index.add(other)
          index.add(name)
          fc.pre(typo !== name && allowedDistance(typo.length) >= 1)
          const found = index.search(typo)
          expect(found.map((m) => m.name)).toContain(name)
          // Nearest first, and each within the allowed distance.
          for (const m of found) expect(m.distance).toBe(reference(typo, m.name))
          expect(found.map((m) => m.distance)).toEqual([...found.map((m) => m.distance)].sort())
        },
      ),
      { numRuns: 1_000 },
    )
  })

  it('allows two edits from nine characters, none under four, and never returns the query itself', () => {
    const index = createFuzzyIndex()
    for (const name of ['oslo', 'riga', 'rome']) index.add(name)
    index.add('vladivostok', { twoEdits: true })
    index.add('valparaiso')
    // A swap and a wrong letter: two edits, found for a name indexed with twoEdits.
    expect(index.search('valdivostak')).toEqual([{ name: 'vladivostok', distance: 2 }])
    // Without it, two edits are found when one of them adds or drops a letter.
    expect(index.search('valparaisso').map((m) => m.name)).toEqual(['valparaiso'])
    expect(index.search('valbaraizo')).toEqual([])
    expect(index.search('romx')).toEqual([{ name: 'rome', distance: 1 }])
    expect(index.search('rom')).toEqual([])
    expect(index.search('oslo')).toEqual([])
    index.add('oslo')
    expect(index.names).toBe(5)
    // Long text is not searched (the work would grow with the cube of its length).
    index.add('b'.repeat(64))
    expect(index.search(`${'b'.repeat(63)}c`)).toEqual([{ name: 'b'.repeat(64), distance: 1 }])
    expect(index.search('b'.repeat(65))).toEqual([])
  })
  it('shares a string table: finds only the names added to it, and holds each name once', () => {
    const strings = createStringTable()
    strings.intern('romy')
    strings.intern('vladivostok')
    const index = createFuzzyIndex(16, strings)
    index.add('rome')
    index.add('vladivostok', { twoEdits: true })
    index.add('rome')
    expect(index.names).toBe(2)
    expect(strings.size).toBe(3)
    // 'romy' is in the table, not in the index: not an answer.
    expect(index.search('romx')).toEqual([{ name: 'rome', distance: 1 }])
    expect(index.search('valdivostak')).toEqual([{ name: 'vladivostok', distance: 2 }])
  })
})

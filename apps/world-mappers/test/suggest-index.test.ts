import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createStringTable } from '../src/geo/string-table.js'
import {
  createSuggestIndexBuilder,
  type SuggestIndex,
  type Suggestion,
} from '../src/geo/suggest-index.js'

/**
 * The suggest index answers what a scan of every (name, place) pair would: the places with a
 * name that starts with the prefix, most populous first, then lowest id, each once under its
 * best matching name (an own name first, then the first in code-unit order).
 */

interface Entry {
  name: string
  place: number
  own: boolean
}

interface World {
  entries: Entry[]
  population: number[]
  country: string[]
}

function indexOf(world: World): SuggestIndex {
  const builder = createSuggestIndexBuilder()
  for (const { name, place, own } of world.entries) builder.add(name, place, own)
  return builder.build({
    population: (place) => world.population[place] as number,
    country: (place) => world.country[place] as string,
  })
}

/** The answer by scanning every entry. */
function scan(world: World, prefix: string, limit: number, country?: string): Suggestion[] {
  if (prefix === '' || limit < 1) return []
  const best = new Map<number, { name: string; own: boolean }>()
  for (const { name, place, own } of world.entries) {
    if (!name.startsWith(prefix)) continue
    if (country && world.country[place] !== country) continue
    const found = best.get(place)
    if (!found || (own && !found.own) || (own === found.own && name < found.name)) {
      best.set(place, { name, own })
    }
  }
  const population = (place: number) => world.population[place] as number
  return [...best]
    .sort(([a], [b]) => population(b) - population(a) || a - b)
    .slice(0, Math.floor(limit))
    .map(([place, match]) => ({ place, ...match }))
}

/** A small world: places 0 … n − 1 with their names given as [name, own] pairs. */
function worldOf(
  places: Array<{ population: number; country: string; names: Array<[string, boolean]> }>,
): World {
  return {
    entries: places.flatMap((p, place) => p.names.map(([name, own]) => ({ name, place, own }))),
    population: places.map((p) => p.population),
    country: places.map((p) => p.country),
  }
}

const cities = worldOf([
  {
    population: 2_100_000,
    country: 'FR',
    names: [
      ['paris', true],
      ['parigi', false],
    ],
  },
  {
    population: 25_000,
    country: 'US',
    names: [
      ['paris', true],
      ['paris tn', false],
    ],
  },
  {
    population: 8_800_000,
    country: 'US',
    names: [
      ['new york', true],
      ['new york city', false],
    ],
  },
  { population: 1_500, country: 'LI', names: [['schaan', true]] },
  {
    population: 5_000,
    country: 'LI',
    names: [
      ['vaduz', true],
      ['schloss vaduz', false],
    ],
  },
  {
    population: 12_600_000,
    country: 'RU',
    names: [
      ['moskva', true],
      ['moscow', false],
    ],
  },
  { population: 12_600_000, country: 'RU', names: [['москва', false]] },
  {
    population: 14_000_000,
    country: 'JP',
    names: [
      ['tokyo', true],
      ['東京', false],
    ],
  },
  {
    population: 25_000,
    country: 'US',
    names: [
      ['la ville', true],
      ['paris', false],
    ],
  },
  { population: 70_000, country: 'FR', names: [['pau', true]] },
])

describe('the suggest index', () => {
  const index = indexOf(cities)

  it('ranks the places by population, then by id', () => {
    expect(index.suggest('pa', 10)).toEqual([
      { place: 0, name: 'paris', own: true },
      { place: 9, name: 'pau', own: true },
      { place: 1, name: 'paris', own: true },
      { place: 8, name: 'paris', own: false },
    ])
  })

  it('gives each place once, under an own name when one matches', () => {
    expect(index.suggest('paris', 10).map((s) => s.place)).toEqual([0, 1, 8])
    // "parigi" comes first in code-unit order, but "paris" is the place's own name.
    expect(index.suggest('pari', 1)).toEqual([{ place: 0, name: 'paris', own: true }])
    expect(index.suggest('parig', 10)).toEqual([{ place: 0, name: 'parigi', own: false }])
    expect(index.suggest('new york c', 10)).toEqual([
      { place: 2, name: 'new york city', own: false },
    ])
    expect(index.suggest('new york', 10)).toEqual([{ place: 2, name: 'new york', own: true }])
  })

  it('returns at most `limit` places, and none for a limit under 1', () => {
    expect(index.suggest('pa', 2).map((s) => s.place)).toEqual([0, 9])
    expect(index.suggest('pa', 2.9).map((s) => s.place)).toEqual([0, 9])
    expect(index.suggest('pa', 0)).toEqual([])
    expect(index.suggest('pa', -1)).toEqual([])
    expect(index.suggest('pa', Number.NaN)).toEqual([])
  })

  it('keeps only the places of a country', () => {
    expect(index.suggest('pa', 10, 'US').map((s) => s.place)).toEqual([1, 8])
    expect(index.suggest('s', 10, 'LI')).toEqual([
      { place: 4, name: 'schloss vaduz', own: false },
      { place: 3, name: 'schaan', own: true },
    ])
    expect(index.suggest('s', 10, 'FR')).toEqual([])
    expect(index.suggest('pa', 10, 'ZZ')).toEqual([])
    expect(index.suggest('pa', 10, '')).toEqual(index.suggest('pa', 10))
  })

  it('finds nothing for an empty or unknown prefix', () => {
    expect(index.suggest('', 10)).toEqual([])
    expect(index.suggest('x', 10)).toEqual([])
    expect(index.suggest('parisian', 10)).toEqual([])
    expect(index.suggest('zzz', 10, 'US')).toEqual([])
  })

  it('matches at the start of a name only', () => {
    expect(index.suggest('york', 10)).toEqual([])
    expect(index.suggest('vaduz', 10).map((s) => s.name)).toEqual(['vaduz'])
  })

  it('matches names in other scripts', () => {
    expect(index.suggest('м', 10)).toEqual([{ place: 6, name: 'москва', own: false }])
    expect(index.suggest('мос', 10, 'RU')).toEqual([{ place: 6, name: 'москва', own: false }])
    expect(index.suggest('東', 10)).toEqual([{ place: 7, name: '東京', own: false }])
    expect(index.suggest('mos', 10).map((s) => s.place)).toEqual([5])
  })

  it('gives long names back whole, whatever their script or length', () => {
    const text = `xx llanfairpwllgwyngyll, санкт-петербург 𠀋${'z'.repeat(2_000)} yy`
    const names = ['llanfairpwllgwyngyll', 'санкт-петербург 𠀋', `z${'z'.repeat(1_999)}`]
    const builder = createSuggestIndexBuilder()
    builder.add(text.slice(3, 23), 0, true)
    builder.add(text.slice(25, 43), 1, true)
    builder.add(text.slice(43, 2_043), 2, true)
    const index = builder.build({ population: () => 1, country: () => 'GB' })
    expect(index.suggest('l', 5).map((s) => s.name)).toEqual([names[0]])
    expect(index.suggest('санкт', 5).map((s) => s.name)).toEqual([names[1]])
    expect(index.suggest('zz', 5).map((s) => s.name)).toEqual([names[2]])
  })

  it('counts names and entries', () => {
    expect(index.nameCount).toBe(new Set(cities.entries.map((e) => e.name)).size)
    expect(index.entryCount).toBe(cities.entries.length)
  })

  it('works empty, and only once', () => {
    const builder = createSuggestIndexBuilder()
    const empty = builder.build({ population: () => 0, country: () => 'US' })
    expect(empty.suggest('a', 5)).toEqual([])
    expect(empty.suggest('a', 5, 'US')).toEqual([])
    expect(empty.nameCount).toBe(0)
    expect(() => builder.add('a', 0, true)).toThrow()
    expect(() => builder.build({ population: () => 0, country: () => 'US' })).toThrow()
  })

  it('rejects a place that is not a small non-negative integer', () => {
    const builder = createSuggestIndexBuilder()
    expect(() => builder.add('a', -1, true)).toThrow(RangeError)
    expect(() => builder.add('a', 1.5, true)).toThrow(RangeError)
    expect(() => builder.add('a', 2 ** 31, true)).toThrow(RangeError)
  })

  it('shares a string table with the caller: names held once, ids accepted, same answers', () => {
    const strings = createStringTable()
    const elsewhere = strings.intern('a name only the caller has')
    const builder = createSuggestIndexBuilder({ strings })
    cities.entries.forEach(({ name, place, own }, i) => {
      if (i % 2 === 0) builder.add(name, place, own)
      else builder.addId(strings.intern(name), place, own)
    })
    expect(() => builder.addId(strings.size, 0, true)).toThrow(RangeError)
    expect(() => builder.addId(-1, 0, true)).toThrow(RangeError)
    const shared = builder.build({
      population: (place) => cities.population[place] as number,
      country: (place) => cities.country[place] as string,
    })
    expect(strings.size).toBe(new Set(cities.entries.map((e) => e.name)).size + 1)
    expect(shared.nameCount).toBe(index.nameCount)
    for (const prefix of ['p', 'pa', 'new', 'м', 's', 'a name']) {
      expect(shared.suggest(prefix, 10)).toEqual(index.suggest(prefix, 10))
    }
    expect(strings.text(elsewhere)).toBe('a name only the caller has')
  })
})

// Few letters and a few other scripts (one outside the BMP), so that names share prefixes.
const letter = fc.constantFrom('a', 'b', 'c', ' ', 'ж', '東', '𠀋')
const nameArbitrary = fc
  .array(letter, { minLength: 1, maxLength: 6 })
  .map((letters) => letters.join(''))
const COUNTRIES = ['AD', 'LI', 'US']

const worldArbitrary = fc
  .record({
    places: fc.array(
      fc.record({
        // Few populations: many ties, which the place id decides.
        population: fc.constantFrom(0, 500, 1_000, 1_000, 25_000, 3_000_000),
        country: fc.constantFrom(...COUNTRIES),
      }),
      { minLength: 1, maxLength: 40 },
    ),
    // Up to 300 entries: several blocks of the range-minimum table.
    entries: fc.array(fc.record({ name: nameArbitrary, place: fc.nat(), own: fc.boolean() }), {
      maxLength: 300,
    }),
  })
  .map(
    ({ places, entries }): World => ({
      entries: entries.map((e) => ({ ...e, place: e.place % places.length })),
      population: places.map((p) => p.population),
      country: places.map((p) => p.country),
    }),
  )

describe('the suggest index against a scan', () => {
  it('agrees on random small worlds, for random and indexed prefixes', () => {
    fc.assert(
      fc.property(
        worldArbitrary,
        fc.array(letter, { minLength: 1, maxLength: 3 }).map((l) => l.join('')),
        fc.integer({ min: -1, max: 25 }),
        fc.constantFrom(undefined, ...COUNTRIES, 'ZZ'),
        (world, prefix, limit, country) => {
          const index = indexOf(world)
          expect(index.suggest(prefix, limit, country)).toEqual(scan(world, prefix, limit, country))
          // Prefixes of indexed names (cut anywhere, even inside a surrogate pair).
          for (const { name } of world.entries.slice(0, 5)) {
            for (let length = 1; length <= name.length; length++) {
              const cut = name.slice(0, length)
              expect(index.suggest(cut, limit, country)).toEqual(scan(world, cut, limit, country))
            }
          }
        },
      ),
      { numRuns: 400 },
    )
  })

  it('agrees when every place of a long range is asked for, in order', () => {
    // One or two names per place from two letters: ranges of hundreds of entries, each taken
    // out of the heap in turn, so that every way a range is split and searched is checked.
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 400 }),
        fc.array(fc.stringMatching(/^[ab]{1,4}$/), { minLength: 1, maxLength: 800 }),
        fc.constantFrom('a', 'b', 'ab'),
        (populations, names, prefix) => {
          const world: World = {
            entries: names.map((name, i) => ({
              name,
              place: i % populations.length,
              own: i < populations.length,
            })),
            population: populations,
            country: populations.map((_, place) => COUNTRIES[place % 3] as string),
          }
          const index = indexOf(world)
          const limit = populations.length
          expect(index.suggest(prefix, limit)).toEqual(scan(world, prefix, limit))
          expect(index.suggest(prefix, limit, 'US')).toEqual(scan(world, prefix, limit, 'US'))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('takes the places of a range in order, wherever the best of each part is', () => {
    // Names in place order, so that a population order puts the best entry anywhere: rising
    // populations try every end of a range, falling ones every start (block edges included).
    const ranked = (populations: number[]): World => ({
      entries: populations.map((_, place) => ({
        name: `a${String(place).padStart(3, '0')}`,
        place,
        own: true,
      })),
      population: populations,
      country: populations.map(() => 'US'),
    })
    const check = (world: World) => {
      const index = indexOf(world)
      const limit = world.population.length
      for (const prefix of ['a', 'a0', 'a00', 'a01', 'a1']) {
        expect(index.suggest(prefix, limit)).toEqual(scan(world, prefix, limit))
        expect(index.suggest(prefix, limit, 'US')).toEqual(scan(world, prefix, limit, 'US'))
      }
    }
    for (let n = 1; n <= 140; n++) {
      const rising = Array.from({ length: n }, (_, place) => place)
      check(ranked(rising))
      check(ranked(rising.map((p) => n - p)))
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }).chain((n) =>
          fc.shuffledSubarray(
            Array.from({ length: n }, (_, i) => i),
            { minLength: n },
          ),
        ),
        (populations) => check(ranked(populations)),
      ),
      { numRuns: 200 },
    )
  })

  it('agrees on 100,000 synthetic names, for short and long prefixes, with and without a country', () => {
    const world = syntheticWorld(100_000, 30_000)
    const index = indexOf(world)
    const random = mulberry32(7)
    const queries: Array<{ prefix: string; country?: string }> = []
    for (const first of 'abdegiklmnoprstuvzмс0') {
      for (const country of [undefined, 'C0', 'C1', 'LI']) queries.push({ prefix: first, country })
    }
    for (let i = 0; i < 160; i++) {
      const entry = world.entries[Math.floor(random() * world.entries.length)] as Entry
      const prefix = entry.name.slice(0, 1 + Math.floor(random() * 8))
      const country = random() < 0.5 ? undefined : world.country[entry.place]
      queries.push({ prefix, country })
    }
    for (const { prefix, country } of queries) {
      expect(index.suggest(prefix, 20, country)).toEqual(scan(world, prefix, 20, country))
    }
    expect(index.entryCount).toBe(world.entries.length)
  }, 60_000)
})

/**
 * `entryCount` names for `placeCount` places, built from syllables so that they share prefixes;
 * skewed populations with ties, 30 countries of which "LI" has few places, some Cyrillic names,
 * and a few names shared by hundreds of places.
 */
function syntheticWorld(entryCount: number, placeCount: number): World {
  const random = mulberry32(42)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const syllables = ['sa', 'an', 'to', 'ri', 'ne', 'ka', 'lo', 'mi', 'ber', 'g', 'burg', 'ville']
  const starts = ['', '', '', 'san ', 'st ', 'new ', 'el ', 'мо', 'се', '0']
  const shared = ['san jose', 'springfield', 'santa maria', 'москва']
  const makeName = () => {
    let name = pick(starts) + pick('abdegiklmnoprstuvz'.split(''))
    const parts = 1 + Math.floor(random() * 4)
    for (let i = 0; i < parts; i++) name += pick(syllables)
    return name
  }
  const population: number[] = []
  const country: string[] = []
  const entries: Entry[] = []
  for (let place = 0; place < placeCount; place++) {
    population.push(random() < 0.2 ? 500 : Math.floor(Math.exp(random() * 15)))
    const c = Math.floor(random() ** 2 * 29)
    country.push(random() < 0.001 ? 'LI' : `C${c}`)
    entries.push({ name: makeName(), place, own: true })
  }
  while (entries.length < entryCount) {
    const place = Math.floor(random() * placeCount)
    const name = random() < 0.03 ? pick(shared) : makeName()
    entries.push({ name, place, own: random() < 0.1 })
  }
  return { entries, population, country }
}

/** A small seeded generator, so that the big world is the same on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

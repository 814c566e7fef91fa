/**
 * The geocoder's evaluation set (issue 17): queries generated from the
 * GeoNames data itself with a fixed seed, so the set is never tuned case by
 * case, in the categories people type. Each query has the place a person
 * means (its GeoNames id); top-1 accuracy is the share answered with it.
 *
 * - `name, state`: a US place and its state code ("Springfield, IL"); the
 *   place meant is the most populous of that name in that state.
 * - `name, country`: a place and its country's English name.
 * - `bare name`: a place over 100,000 people by its own name alone; the place
 *   meant is the most populous one of that own name.
 * - `typo`: one random edit (a letter dropped, added, wrong, or two swapped) of
 *   the name of a Latin-script place over 100,000 people; never an existing own
 *   name. The place meant is the most populous one of the name misspelled
 *   ("Columbuo" is Columbus, Ohio, whichever Columbus was drawn).
 * - `street address`: "<n> <street> St, <city>, <country>" for cities over
 *   1,000,000 people: the city is the answer.
 * - `non-Latin script`: a place over 500,000 people by one of its alternate
 *   names in a non-Latin script.
 * - `St/Mt/Ft, state`: a US place called Saint/Mount/Fort …, abbreviated,
 *   with its state code. The place meant is the most populous in that state
 *   named either way ("St. Charles, MD" and "Saint Charles, MD" are one name).
 */
import { normalizeName, readGeoNamesFile, resolveGeoNamesPath } from '@m2m/world-mappers'

export const CATEGORIES = [
  'name, state',
  'name, country',
  'bare name',
  'typo',
  'street address',
  'non-Latin script',
  'St/Mt/Ft, state',
] as const
export type Category = (typeof CATEGORIES)[number]

export interface EvaluationQuery {
  category: Category
  query: string
  /** `geonames:<id>`: the place meant. */
  expectedId: string
}

/** mulberry32: the same numbers for the same seed, on every machine. */
function random(seed: number): () => number {
  let state = seed | 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const NON_LATIN =
  /[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/
const LATIN_NAME = /^[A-Za-z][A-Za-z .'-]*$/
const STREETS = [
  'High',
  'Main',
  'Station',
  'Church',
  'Park',
  'Market',
  'King',
  'Queen',
  'Mill',
  'Oak',
]
const ABBREVIATIONS: Array<[full: string, short: string[]]> = [
  ['Saint ', ['St. ', 'St ']],
  ['Mount ', ['Mt. ', 'Mt ']],
  ['Fort ', ['Ft. ', 'Ft ']],
]

/**
 * `perCategory` queries of each category (fewer where the data has fewer
 * candidates), drawn with `seed`.
 */
export async function buildEvaluationSet(
  perCategory: number,
  seed = 17,
): Promise<EvaluationQuery[]> {
  const nonLatin = new Map<number, string>()
  const table = await readGeoNamesFile(resolveGeoNamesPath(), (row) => {
    const names = row.alternateNames.split(',')
    const found = names.find((n) => NON_LATIN.test(n) && n.length >= 2)
    if (found) nonLatin.set(row.index, found)
  })
  const next = random(seed)
  const countryName = new Intl.DisplayNames(['en'], { type: 'region' })
  const rows = Array.from({ length: table.count }, (_, i) => i)
  const pop = (i: number) => table.population[i] as number
  const area = (i: number) => table.areas[table.area[i] as number]
  const id = (i: number) => `geonames:${table.geonameId[i]}`
  const own = rows.map((i) => normalizeName(table.nameOf(i)))

  /** The most populous place among `rows` for each key. */
  const bestBy = (key: (i: number) => string) => {
    const best = new Map<string, number>()
    for (const i of rows) {
      const k = key(i)
      const current = best.get(k)
      if (current === undefined || pop(i) > pop(current)) best.set(k, i)
    }
    return best
  }
  const byName = bestBy((i) => own[i] as string)
  const byNameState = bestBy((i) => `${own[i]}|${area(i)?.countryCode}|${area(i)?.admin1}`)
  const byNameCountry = bestBy((i) => `${own[i]}|${area(i)?.countryCode}`)
  const knownNames = new Set(own)

  /** `count` distinct picks among `candidates`, in a seeded order. */
  const draw = (candidates: number[], count: number) => {
    const pool = [...candidates]
    const picked: number[] = []
    while (picked.length < count && pool.length > 0) {
      const at = Math.floor(next() * pool.length)
      picked.push(pool[at] as number)
      pool[at] = pool[pool.length - 1] as number
      pool.pop()
    }
    return picked
  }
  const queries: EvaluationQuery[] = []
  const add = (category: Category, query: string, expected: number | undefined) => {
    if (expected !== undefined) queries.push({ category, query, expectedId: id(expected) })
  }
  const isUs = (i: number) => area(i)?.countryCode === 'US' && (area(i)?.admin1 ?? '') !== ''
  const stateKey = (i: number) => `${own[i]}|US|${area(i)?.admin1}`

  for (const i of draw(
    rows.filter((i) => isUs(i) && pop(i) >= 5_000),
    perCategory,
  )) {
    add('name, state', `${table.nameOf(i)}, ${area(i)?.admin1}`, byNameState.get(stateKey(i)))
  }
  for (const i of draw(
    rows.filter((i) => pop(i) >= 15_000),
    perCategory,
  )) {
    const country = countryName.of(area(i)?.countryCode ?? '')
    if (!country) continue
    add(
      'name, country',
      `${table.nameOf(i)}, ${country}`,
      byNameCountry.get(`${own[i]}|${area(i)?.countryCode}`),
    )
  }
  for (const i of draw(
    rows.filter((i) => pop(i) >= 100_000),
    perCategory,
  )) {
    add('bare name', table.nameOf(i), byName.get(own[i] as string))
  }
  const typoCandidates = rows.filter(
    (i) => pop(i) >= 100_000 && LATIN_NAME.test(table.nameOf(i)) && table.nameOf(i).length >= 5,
  )
  for (const i of draw(typoCandidates, perCategory)) {
    const typo = oneEdit(table.nameOf(i), next)
    if (knownNames.has(normalizeName(typo))) continue
    add('typo', typo, byName.get(own[i] as string))
  }
  const cities = rows.filter((i) => pop(i) >= 1_000_000 && LATIN_NAME.test(table.nameOf(i)))
  for (const i of draw(cities, perCategory)) {
    const country = countryName.of(area(i)?.countryCode ?? '')
    const street = STREETS[Math.floor(next() * STREETS.length)]
    const number = 1 + Math.floor(next() * 300)
    add('street address', `${number} ${street} St, ${table.nameOf(i)}, ${country}`, i)
  }
  for (const i of draw(
    [...nonLatin.keys()].filter((i) => pop(i) >= 500_000),
    perCategory,
  )) {
    add('non-Latin script', nonLatin.get(i) as string, i)
  }
  const abbreviable = rows.filter(
    (i) =>
      isUs(i) &&
      pop(i) >= 2_000 &&
      ABBREVIATIONS.some(([full]) => table.nameOf(i).startsWith(full)),
  )
  for (const i of draw(abbreviable, perCategory)) {
    const name = table.nameOf(i)
    const [full, shorts] = ABBREVIATIONS.find(([f]) => name.startsWith(f)) as [string, string[]]
    const short = shorts[Math.floor(next() * shorts.length)] as string
    const abbreviated = `${short}${name.slice(full.length)}`
    const spelledOut = byNameState.get(stateKey(i))
    const asWritten = byNameState.get(`${normalizeName(abbreviated)}|US|${area(i)?.admin1}`)
    add(
      'St/Mt/Ft, state',
      `${abbreviated}, ${area(i)?.admin1}`,
      asWritten !== undefined && spelledOut !== undefined && pop(asWritten) > pop(spelledOut)
        ? asWritten
        : spelledOut,
    )
  }
  return queries
}

/** One edit of a letter of `name`: dropped, added, replaced, or swapped with the next. */
function oneEdit(name: string, next: () => number): string {
  const letters = [...name].map((c, i) => (/[A-Za-z]/.test(c) ? i : -1)).filter((i) => i >= 0)
  const at = letters[Math.floor(next() * letters.length)] as number
  const kind = Math.floor(next() * 4)
  const letter = String.fromCharCode(97 + Math.floor(next() * 26))
  if (kind === 0) return name.slice(0, at) + name.slice(at + 1)
  if (kind === 1) return name.slice(0, at) + letter + name.slice(at)
  if (kind === 2) {
    const other =
      name[at]?.toLowerCase() === letter
        ? String.fromCharCode(((letter.charCodeAt(0) - 96) % 26) + 97)
        : letter
    return name.slice(0, at) + other + name.slice(at + 1)
  }
  if (at + 1 < name.length && name[at] !== name[at + 1]) {
    return name.slice(0, at) + (name[at + 1] as string) + (name[at] as string) + name.slice(at + 2)
  }
  return name.slice(0, at) + name.slice(at + 1)
}

export interface CategoryScore {
  category: Category | 'overall'
  queries: number
  correct: number
  accuracy: number
}

/** Top-1 accuracy per category and overall, of `geocode` (the best match's place id). */
export function scoreEvaluation(
  set: readonly EvaluationQuery[],
  geocode: (query: string) => string | undefined,
): { categories: CategoryScore[]; overall: CategoryScore } {
  const categories = CATEGORIES.map((category) => {
    const queries = set.filter((q) => q.category === category)
    const correct = queries.filter((q) => geocode(q.query) === q.expectedId).length
    return {
      category,
      queries: queries.length,
      correct,
      accuracy: correct / Math.max(1, queries.length),
    }
  })
  const queries = categories.reduce((sum, c) => sum + c.queries, 0)
  const correct = categories.reduce((sum, c) => sum + c.correct, 0)
  return {
    categories,
    overall: {
      category: 'overall' as const,
      queries,
      correct,
      accuracy: correct / Math.max(1, queries),
    },
  }
}

/** Issue 17's targets: every category, and all of them together. */
export const ACCURACY_TARGETS = { category: 0.93, overall: 0.97 }

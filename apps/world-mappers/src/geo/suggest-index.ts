/**
 * Type-ahead suggestions: the most populous places with a name that starts with what was typed.
 *
 * Every (name, place) pair added is an entry. `build` sorts the entries by name (UTF-16 code
 * units, the order of `<` on strings), so the entries whose name starts with a prefix are one
 * contiguous range, found with two binary searches. Each entry also carries a key, the place's
 * rank by population (most populous first, then lowest place id) times two, plus one for an
 * alternate name; the smallest key of a range is its best place, under its own name if one of
 * its own names matches.
 *
 * A query takes the entries of its range in key order without scanning the range: a heap of
 * sub-ranges, each under its smallest entry, found with a range-minimum table (best entry of
 * each block of 32 entries, and a sparse table over the blocks). Popping an entry splits its
 * range in two. All entries of one place have keys 2r or 2r + 1, so they pop one after the other
 * and only the first counts. The work is about (limit + names of those places in the range) ×
 * (block size + log n), whatever the size of the range: a one-letter prefix costs about what a
 * long one does. It grows with `limit`, which callers bound.
 *
 * The same entries are kept a second time sorted by country, then name, each country a
 * contiguous block with its own name ranges: a country filter searches only its block, so a
 * small country is as quick as a large one.
 *
 * Matching is at the start of the whole normalized name only ("new y" finds New York, "york"
 * does not): word starts would need an entry per later word, 57 % more entries for cities500.
 *
 * Memory: per entry, a name id and a key in each ordering (16 bytes in Int32Arrays) and about
 * 2 bytes per ordering of block tables; the names themselves are in a string table
 * (string-table.ts), two bytes per code unit, which the gazetteer shares with its name index.
 * For cities500 (811,000 entries) that is about 22 MB, and no heap object per name.
 * `build` sorts the names with a multikey quicksort, about half a second for cities500.
 */
import { resizedInt32 } from './int32-arrays.js'
import { createStringTable, type StringTable } from './string-table.js'

export interface Suggestion {
  place: number
  /** The normalized name that matched. */
  name: string
  /** Whether `name` is one of the place's own names rather than an alternate name. */
  own: boolean
}

export interface SuggestIndex {
  /**
   * Places with a name that starts with `prefix` (already normalized), most populous first, then
   * lowest place id; each place once, under its own name when one of those matches, else under
   * an alternate name (the first in code-unit order of those that match). At most `limit`
   * places. `country` (as `info.country` gives it, ISO 3166-1 alpha-2) keeps only its places;
   * undefined or '' means every country. An empty prefix, an unknown country or a limit under 1
   * give [].
   */
  suggest(prefix: string, limit: number, country?: string): Suggestion[]
  /** Distinct names. */
  readonly nameCount: number
  /** (name, place) pairs. */
  readonly entryCount: number
}

export interface PlaceInfo {
  /** Not a number counts as 0. */
  population(place: number): number
  country(place: number): string
}

export interface SuggestIndexBuilder {
  /**
   * Adds `name` (already normalized) as a name of `place`, a small non-negative integer such as a
   * table row. `own`: the place's own or ASCII name, not an alternate name. Adding the same pair
   * twice is harmless.
   */
  add(name: string, place: number, own: boolean): void
  /** `add` for a name given by its id in the builder's string table (see `SuggestIndexOptions`). */
  addId(nameId: number, place: number, own: boolean): void
  /** Sorts the names into the query structure; the builder cannot be used after. */
  build(info: PlaceInfo): SuggestIndex
}

export interface SuggestIndexOptions {
  /**
   * Where the names are kept: a table the caller shares (with a name index, say), so that a name
   * both hold is held once. By default the index has a table of its own.
   */
  strings?: StringTable
}

/** Largest place id: keys (rank × 2 + 1) must fit an Int32Array. */
const MAX_PLACE = 2 ** 30 - 1
/** Entries per block of the range-minimum table. */
const BLOCK = 32

/** Entries in one order: what `suggest` reads. */
interface Ordering {
  /** The name's id in the string table, per entry. */
  nameIds: Int32Array
  /** Rank of the entry's place × 2, + 1 for an alternate name, per entry. */
  keys: Int32Array
  /** levels[k][b]: position of the smallest key of blocks b … b + 2^k − 1. */
  levels: Int32Array[]
}

export function createSuggestIndexBuilder(options: SuggestIndexOptions = {}): SuggestIndexBuilder {
  const strings = options.strings ?? createStringTable()
  // Per entry: the name's id, and place × 2, + 1 for an alternate name.
  let entryNames = new Int32Array(1024)
  let entryPlaces = new Int32Array(1024)
  let count = 0
  let built = false

  function addId(nameId: number, place: number, own: boolean): void {
    if (built) throw new Error('the suggest index is already built')
    if (!Number.isInteger(place) || place < 0 || place > MAX_PLACE) {
      throw new RangeError(`place must be an integer from 0 to ${MAX_PLACE}, not ${place}`)
    }
    if (!Number.isInteger(nameId) || nameId < 0 || nameId >= strings.size) {
      throw new RangeError(`nameId ${nameId} is not in the index's string table`)
    }
    if (count === entryPlaces.length) {
      entryNames = resizedInt32(entryNames, entryNames.length * 2)
      entryPlaces = resizedInt32(entryPlaces, entryPlaces.length * 2)
    }
    entryNames[count] = nameId
    entryPlaces[count] = place * 2 + (own ? 0 : 1)
    count++
  }

  return {
    add(name, place, own) {
      if (built) throw new Error('the suggest index is already built')
      addId(strings.intern(name), place, own)
    },
    addId,
    build(info) {
      if (built) throw new Error('the suggest index is already built')
      built = true
      const index = buildIndex(
        strings,
        entryNames.slice(0, count),
        entryPlaces.subarray(0, count),
        info,
      )
      entryNames = new Int32Array(0)
      entryPlaces = new Int32Array(0)
      return index
    },
  }
}

function buildIndex(
  strings: StringTable,
  entryNames: Int32Array,
  entryPlaces: Int32Array,
  info: PlaceInfo,
): SuggestIndex {
  const count = entryNames.length
  const sort = sortByName(strings, entryNames)
  const byName = sort.entries
  const nameIds = sort.names
  const { rankOf, placeOfRank } = rankPlaces(entryPlaces, info.population)
  const { countryOf, countryIds } = countriesOf(placeOfRank, info.country)

  const keys = new Int32Array(count)
  for (let pos = 0; pos < count; pos++) {
    const packed = entryPlaces[byName[pos] as number] as number
    keys[pos] = (rankOf[packed >> 1] as number) * 2 + (packed & 1)
  }
  const all: Ordering = { nameIds, keys, levels: blockMinima(keys) }
  const { ordering: byCountry, starts: countryStarts } = groupByCountry(
    all,
    countryOf,
    countryIds.size,
  )

  function suggest(prefix: string, limit: number, country?: string): Suggestion[] {
    const max = Math.floor(limit)
    if (prefix === '' || !(max >= 1)) return []
    let ordering = all
    let from = 0
    let to = count
    if (country !== undefined && country !== '') {
      const id = countryIds.get(country)
      if (id === undefined) return []
      ordering = byCountry
      from = countryStarts[id] as number
      to = countryStarts[id + 1] as number
    }
    const lo = firstNotBefore(strings, ordering.nameIds, from, to, prefix)
    const hi = firstPast(strings, ordering.nameIds, lo, to, prefix)
    return bestPlaces(ordering, lo, hi, max).map((pos) => {
      const key = ordering.keys[pos] as number
      return {
        place: placeOfRank[key >> 1] as number,
        name: strings.text(ordering.nameIds[pos] as number),
        own: (key & 1) === 0,
      }
    })
  }

  // Equal names have equal ids, so sorted they are side by side.
  let nameCount = 0
  for (let pos = 0; pos < count; pos++) {
    if (pos === 0 || nameIds[pos] !== nameIds[pos - 1]) nameCount++
  }
  return { suggest, nameCount, entryCount: count }
}

/**
 * Ranks the places that have names: most populous first, then lowest id. `rankOf` is indexed
 * by place, `placeOfRank` by rank.
 */
function rankPlaces(entryPlaces: Int32Array, population: (place: number) => number) {
  let maxPlace = -1
  for (const packed of entryPlaces) maxPlace = Math.max(maxPlace, packed >> 1)
  const named = new Uint8Array(maxPlace + 1)
  for (const packed of entryPlaces) named[packed >> 1] = 1
  const places: number[] = []
  const populations = new Float64Array(maxPlace + 1)
  for (let place = 0; place <= maxPlace; place++) {
    if (named[place] === 0) continue
    places.push(place)
    populations[place] = population(place) || 0
  }
  const placeOfRank = sortByPopulation(Int32Array.from(places), populations)
  const rankOf = new Int32Array(maxPlace + 1).fill(-1)
  for (let rank = 0; rank < placeOfRank.length; rank++) rankOf[placeOfRank[rank] as number] = rank
  return { rankOf, placeOfRank }
}

/**
 * `places` (in increasing order) most populous first, ties kept in order: a counting sort over
 * the distinct populations, sorted natively, rather than a comparator sort, which takes several
 * times as long for 200,000 places.
 */
function sortByPopulation(places: Int32Array, populations: Float64Array): Int32Array {
  // Negated, so that the natural (increasing) order puts the most populous first.
  const levels = new Float64Array(places.length)
  for (let i = 0; i < places.length; i++) levels[i] = -(populations[places[i] as number] as number)
  levels.sort()
  let levelCount = 0
  for (const level of levels) {
    if (levelCount === 0 || level !== levels[levelCount - 1]) levels[levelCount++] = level
  }
  const levelOf = new Int32Array(places.length)
  const starts = new Int32Array(levelCount + 1)
  for (let i = 0; i < places.length; i++) {
    const level = firstAtLeast(levels, levelCount, -(populations[places[i] as number] as number))
    levelOf[i] = level
    starts[level + 1] = (starts[level + 1] as number) + 1
  }
  for (let level = 0; level < levelCount; level++) {
    starts[level + 1] = (starts[level + 1] as number) + (starts[level] as number)
  }
  const sorted = new Int32Array(places.length)
  for (let i = 0; i < places.length; i++) {
    const level = levelOf[i] as number
    sorted[starts[level] as number] = places[i] as number
    starts[level] = (starts[level] as number) + 1
  }
  return sorted
}

/** First index of sorted values[0 … count − 1] not less than `value`. */
function firstAtLeast(values: Float64Array, count: number, value: number): number {
  let lo = 0
  let hi = count
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((values[mid] as number) < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** A small integer per country code, and the country of each ranked place. */
function countriesOf(placeOfRank: Int32Array, country: (place: number) => string) {
  const countryIds = new Map<string, number>()
  const countryOf = new Int32Array(placeOfRank.length)
  for (let rank = 0; rank < placeOfRank.length; rank++) {
    const code = country(placeOfRank[rank] as number)
    let id = countryIds.get(code)
    if (id === undefined) {
      id = countryIds.size
      countryIds.set(code, id)
    }
    countryOf[rank] = id
  }
  return { countryOf, countryIds }
}

/**
 * The entries of `all` grouped by country (`countryOf` is indexed by rank), each group still in
 * name order (a stable counting sort); country c holds positions starts[c] … starts[c + 1] − 1.
 */
function groupByCountry(all: Ordering, countryOf: Int32Array, countryCount: number) {
  const starts = new Int32Array(countryCount + 1)
  for (const key of all.keys) {
    const c = countryOf[key >> 1] as number
    starts[c + 1] = (starts[c + 1] as number) + 1
  }
  for (let c = 0; c < countryCount; c++) {
    starts[c + 1] = (starts[c + 1] as number) + (starts[c] as number)
  }
  const next = starts.slice(0, countryCount)
  const nameIds = new Int32Array(all.keys.length)
  const keys = new Int32Array(all.keys.length)
  for (let pos = 0; pos < all.keys.length; pos++) {
    const c = countryOf[(all.keys[pos] as number) >> 1] as number
    const to = next[c] as number
    next[c] = to + 1
    nameIds[to] = all.nameIds[pos] as number
    keys[to] = all.keys[pos] as number
  }
  const ordering: Ordering = { nameIds, keys, levels: blockMinima(keys) }
  return { ordering, starts }
}

// --- Sorting by name ------------------------------------------------------------------------

/** Subranges this short are sorted by insertion. */
const INSERTION_SORT_MAX = 12

/** What the name sort rearranges, position by position. */
interface NameSort {
  strings: StringTable
  /** The name id of each position. */
  names: Int32Array
  /** The entry index of each position. */
  entries: Int32Array
}

/**
 * Sorts the entries by name (code-unit order), and their name ids along with them. A multikey
 * (three-way radix) quicksort on one code unit at a time: about twice as fast as
 * `Array.prototype.sort` here, since a run of shared leading letters is read once per level
 * rather than once per pair.
 */
function sortByName(strings: StringTable, entryNames: Int32Array): NameSort {
  const entries = new Int32Array(entryNames.length)
  for (let entry = 0; entry < entries.length; entry++) entries[entry] = entry
  const sort: NameSort = { strings, names: entryNames, entries }
  multikeySort(sort, 0, entryNames.length, 0)
  return sort
}

/** Sorts positions from … to − 1, whose names all share their first `depth` code units. */
function multikeySort(sort: NameSort, from: number, to: number, depth: number): void {
  const { names, strings } = sort
  let lo = from
  let hi = to
  let d = depth
  while (hi - lo > INSERTION_SORT_MAX) {
    const pivot = medianUnit(sort, lo, hi, d)
    // [lo, lt) < pivot, [lt, gt) = pivot, [gt, hi) > pivot; −1 (past the end) sorts first.
    let lt = lo
    let gt = hi
    let i = lo
    while (i < gt) {
      const unit = strings.unitAt(names[i] as number, d)
      if (unit < pivot) swap(sort, lt++, i++)
      else if (unit > pivot) swap(sort, i, --gt)
      else i++
    }
    multikeySort(sort, lo, lt, d)
    multikeySort(sort, gt, hi, d)
    // Every name of [lt, gt) ends at `d`: they are all the same name.
    if (pivot === -1) return
    lo = lt
    hi = gt
    d++
  }
  insertionSort(sort, lo, hi, d)
}

function medianUnit(sort: NameSort, from: number, to: number, depth: number): number {
  const { names, strings } = sort
  const a = strings.unitAt(names[from] as number, depth)
  const b = strings.unitAt(names[(from + to) >> 1] as number, depth)
  const c = strings.unitAt(names[to - 1] as number, depth)
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))
}

/** Sorts positions from … to − 1, whose names all share their first `depth` code units. */
function insertionSort(sort: NameSort, from: number, to: number, depth: number): void {
  const { names, entries, strings } = sort
  for (let i = from + 1; i < to; i++) {
    const name = names[i] as number
    const entry = entries[i] as number
    let j = i
    while (j > from && sortsBefore(strings, name, names[j - 1] as number, depth)) {
      names[j] = names[j - 1] as number
      entries[j] = entries[j - 1] as number
      j--
    }
    names[j] = name
    entries[j] = entry
  }
}

/** Whether name `a` sorts before name `b`, both sharing their first `depth` code units. */
function sortsBefore(strings: StringTable, a: number, b: number, depth: number): boolean {
  for (let d = depth; ; d++) {
    const unitA = strings.unitAt(a, d)
    const unitB = strings.unitAt(b, d)
    if (unitA !== unitB) return unitA < unitB
    if (unitA === -1) return false
  }
}

function swap(sort: NameSort, i: number, j: number): void {
  const { names, entries } = sort
  const name = names[i] as number
  names[i] = names[j] as number
  names[j] = name
  const entry = entries[i] as number
  entries[i] = entries[j] as number
  entries[j] = entry
}

// --- Prefix ranges --------------------------------------------------------------------------

/** First position of [from, to) whose name is not before `prefix`. */
function firstNotBefore(
  strings: StringTable,
  nameIds: Int32Array,
  from: number,
  to: number,
  prefix: string,
): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (strings.compare(nameIds[mid] as number, prefix) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First position of [from, to), all not before `prefix`, whose name does not start with it. */
function firstPast(
  strings: StringTable,
  nameIds: Int32Array,
  from: number,
  to: number,
  prefix: string,
): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (strings.startsWith(nameIds[mid] as number, prefix)) lo = mid + 1
    else hi = mid
  }
  return lo
}

// --- Range minimum --------------------------------------------------------------------------

/** The smaller key; the lower position on a tie, so that answers do not depend on the table. */
function better(keys: Int32Array, a: number, b: number): number {
  const ka = keys[a] as number
  const kb = keys[b] as number
  return ka < kb || (ka === kb && a < b) ? a : b
}

/** The sparse table over blocks of `BLOCK` keys (see `Ordering.levels`). */
function blockMinima(keys: Int32Array): Int32Array[] {
  const blockCount = Math.ceil(keys.length / BLOCK)
  const first = new Int32Array(blockCount)
  for (let b = 0; b < blockCount; b++) {
    first[b] = scanBest(keys, b * BLOCK, Math.min(keys.length, (b + 1) * BLOCK))
  }
  const levels = [first]
  for (let width = 2; width <= blockCount; width *= 2) {
    const below = levels[levels.length - 1] as Int32Array
    const level = new Int32Array(blockCount - width + 1)
    const half = width / 2
    for (let b = 0; b < level.length; b++) {
      level[b] = better(keys, below[b] as number, below[b + half] as number)
    }
    levels.push(level)
  }
  return levels
}

/** Position of the smallest key in [from, to), which must not be empty. */
function scanBest(keys: Int32Array, from: number, to: number): number {
  let best = from
  for (let pos = from + 1; pos < to; pos++) {
    if ((keys[pos] as number) < (keys[best] as number)) best = pos
  }
  return best
}

/** Position of the smallest key in [from, to), which must not be empty. */
function rangeBest(ordering: Ordering, from: number, to: number): number {
  const { keys, levels } = ordering
  // The whole blocks inside the range, looked up; the parts of blocks at its ends, scanned.
  const firstWhole = Math.ceil(from / BLOCK)
  const pastWhole = Math.floor(to / BLOCK)
  if (firstWhole >= pastWhole) return scanBest(keys, from, to)
  const k = 31 - Math.clz32(pastWhole - firstWhole)
  const level = levels[k] as Int32Array
  let best = better(keys, level[firstWhole] as number, level[pastWhole - (1 << k)] as number)
  if (from < firstWhole * BLOCK) best = better(keys, scanBest(keys, from, firstWhole * BLOCK), best)
  if (pastWhole * BLOCK < to) best = better(keys, best, scanBest(keys, pastWhole * BLOCK, to))
  return best
}

// --- Best places of a range -----------------------------------------------------------------

/** A part of the prefix range, under the position of its smallest key. */
interface Span {
  best: number
  from: number
  to: number
}

/**
 * Positions of the best entry of each of the `limit` best places of [from, to): entries taken in
 * key order from a heap of spans, skipping the other entries of a place already taken.
 */
function bestPlaces(ordering: Ordering, from: number, to: number, limit: number): number[] {
  const found: number[] = []
  const heap: Span[] = []
  const keys = ordering.keys
  const before = (a: Span, b: Span) => better(keys, a.best, b.best) === a.best
  const pushSpan = (spanFrom: number, spanTo: number) => {
    if (spanFrom < spanTo) {
      heapPush(
        heap,
        { best: rangeBest(ordering, spanFrom, spanTo), from: spanFrom, to: spanTo },
        before,
      )
    }
  }
  pushSpan(from, to)
  let lastRank = -1
  while (found.length < limit) {
    const span = heapPop(heap, before)
    if (span === undefined) break
    pushSpan(span.from, span.best)
    pushSpan(span.best + 1, span.to)
    // Keys pop in order, so the other entries of a place come right after its first one.
    const rank = (keys[span.best] as number) >> 1
    if (rank === lastRank) continue
    lastRank = rank
    found.push(span.best)
  }
  return found
}

function heapPush<T>(heap: T[], item: T, before: (a: T, b: T) => boolean): void {
  let i = heap.push(item) - 1
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (!before(item, heap[parent] as T)) break
    heap[i] = heap[parent] as T
    i = parent
  }
  heap[i] = item
}

function heapPop<T>(heap: T[], before: (a: T, b: T) => boolean): T | undefined {
  const top = heap[0]
  const last = heap.pop()
  if (top === undefined || last === undefined || heap.length === 0) return top
  let i = 0
  for (;;) {
    let child = 2 * i + 1
    if (child >= heap.length) break
    const right = child + 1
    if (right < heap.length && before(heap[right] as T, heap[child] as T)) child = right
    if (!before(heap[child] as T, last)) break
    heap[i] = heap[child] as T
    i = child
  }
  heap[i] = last
  return top
}

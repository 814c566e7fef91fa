import type { ParsedAddress } from './address-parser.js'
import type { GeocodeBias } from './ranking.js'

/** A named place: a GeoNames populated place, or one of the operator's own (PLACES_FILE). */
export interface Place {
  /** `geonames:<id>`, `custom:<slug>` or `point:<lat>,<lng>`. */
  id: string
  name: string
  lat: number
  lng: number
  /** First-level region name ("Washington", "Bavaria"), when known. */
  region: string | undefined
  /** The region's short code when there is one ("WA", "BY"). */
  regionCode: string | undefined
  /** Country name in English ("United States"). */
  country: string
  /** ISO 3166-1 alpha-2 ("US"). */
  countryCode: string
  population: number
  /** A street address, for the operator's own places. */
  address?: string | undefined
  /** `point`: exact coordinates a caller gave, not a named place. */
  kind: 'city' | 'custom' | 'point'
}

export interface GeocodeMatch {
  place: Place
  /** 0..1: how well the query matched (exact name + qualifiers = 1). */
  confidence: number
  /** The name or alternate name that matched the query. */
  matchedName: string
  /** `fuzzy`: no name matched as written; `matchedName` is within a small edit distance of it. */
  match?: 'exact' | 'fuzzy'
  /**
   * How precisely the answer places the query, when not what the place's kind says (see
   * `precisionOf`): a street address answered with its locality, or with its region or country
   * when the locality is unknown.
   */
  precision?: Precision
  /** The parts of a street address query. */
  address?: ParsedAddress
}

/**
 * `point`: coordinates the caller gave (directions); `address`: a PLACES_FILE place with a street address; `place`: one without; `locality`: a
 * GeoNames populated place; `region`, `country`: the seat of the region or the capital of the
 * country that a street address named, when its locality is unknown.
 */
export type Precision = 'point' | 'address' | 'place' | 'locality' | 'region' | 'country'

/** Options of `geocode`. */
export type GeocodeOptions = GeocodeBias

export interface ReverseMatch {
  place: Place
  distanceKm: number
}

/** The geocoder and place index; queries never scan the whole list. */
export interface Gazetteer {
  /** Best match first; `[]` when nothing matches. Deterministic for the same input. */
  geocode(query: string, limit: number, options?: GeocodeOptions): GeocodeMatch[]
  /**
   * Structured search: a city with the region and country it is in (each optional), or a region
   * or country alone (its seat or capital, `precision` saying which). A city outside the region or
   * country given is not answered.
   */
  geocodeStructured(
    fields: {
      city?: string | undefined
      region?: string | undefined
      country?: string | undefined
    },
    limit: number,
    options?: GeocodeOptions,
  ): GeocodeMatch[]
  /**
   * Type-ahead: places with a name or alternate name that starts with `prefix`, most populous
   * first, each once (under its own name when that matches), at most `limit` (≤ 20), only in
   * `country` (ISO alpha-2) when given. A prefix ending in a space completes its last word.
   */
  suggest(prefix: string, limit: number, country?: string): Suggestion[]
  /** Whether a text names a known region or country ("IL", "Bavaria", "United States"). */
  namesArea(text: string): boolean
  /** The nearest place to a point. */
  reverse(lat: number, lng: number): ReverseMatch | undefined
  /** Places within `maxKm` of a point, nearest first, at most `limit`, at least `minPopulation`. */
  nearby(
    lat: number,
    lng: number,
    maxKm: number,
    limit: number,
    minPopulation?: number,
  ): ReverseMatch[]
  readonly size: number
}

/** One type-ahead suggestion: the place, and the name typed the start of. */
export interface Suggestion {
  place: Place
  /** The place's own name when that matched, else the (normalized) alternate name that did. */
  matchedName: string
}

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
}

export interface ReverseMatch {
  place: Place
  distanceKm: number
}

/** The geocoder and place index; queries never scan the whole list. */
export interface Gazetteer {
  /** Best match first; `[]` when nothing matches. Deterministic for the same input. */
  geocode(query: string, limit: number): GeocodeMatch[]
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

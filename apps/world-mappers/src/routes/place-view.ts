import type { GeocodeMatch, Place, Precision } from '../geo/types.js'

/** A place as the API shows it. */
export function placeView(place: Place) {
  return {
    id: place.id,
    name: place.name,
    lat: place.lat,
    lng: place.lng,
    region: place.region ?? null,
    regionCode: place.regionCode ?? null,
    country: place.country,
    countryCode: place.countryCode,
    population: place.population,
    ...(place.address ? { address: place.address } : {}),
  }
}

/** Kilometres to metres precision, so answers are stable to print and compare. */
export function roundKm(km: number): number {
  return Math.round(km * 1000) / 1000
}

/** Street-level data is not loaded: said with every answer to a street address. */
export const STREET_ADDRESS_NOTE =
  'Street-level data is not loaded: a street address is answered with its locality (or its region or country when the locality is unknown).'

/** How precisely a place locates a query, when the match does not say otherwise. */
export function precisionOf(place: Place): Precision {
  if (place.kind === 'point') return 'point'
  if (place.kind === 'custom') return place.address ? 'address' : 'place'
  return 'locality'
}

/** One geocoding result as the API shows it. */
export function geocodeResultView(match: GeocodeMatch) {
  return {
    ...placeView(match.place),
    confidence: match.confidence,
    matchedName: match.matchedName,
    match: match.match ?? 'exact',
    precision: match.precision ?? precisionOf(match.place),
    ...(match.address ? { parsedAddress: match.address, note: STREET_ADDRESS_NOTE } : {}),
  }
}

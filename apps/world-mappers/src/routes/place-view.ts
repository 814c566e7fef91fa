import type { Place } from '../geo/types.js'

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

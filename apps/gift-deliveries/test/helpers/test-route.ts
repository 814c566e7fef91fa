import type { DeliveryRoute, ResolvedPlace } from '../../src/deliveries/model.js'

/** A resolved place for store tests: only its name varies. */
export const testPlace = (name: string): ResolvedPlace => ({
  name,
  lat: 1.5,
  lng: 2.25,
  region: null,
  country: 'X',
  countryCode: 'XX',
})

/**
 * The `n`-th test route, from the depot to "Place n", `n + 0.5` km; its GeoJSON
 * path is `coordinates` (two positions unless given).
 */
export const testRoute = (
  n: number,
  coordinates: number[][] = [
    [2.25, 1.5],
    [3, 4],
  ],
): DeliveryRoute => ({
  origin: testPlace('Depot'),
  destination: testPlace(`Place ${n}`),
  distanceKm: n + 0.5,
  estimatedDuration: { seconds: n * 60, text: `${n} min`, method: 'Road estimate' },
  heading: null,
  steps: [{ instruction: `Arrive at Place ${n}`, distanceKm: 0 }],
  path: { type: 'LineString', coordinates },
  note: 'test route',
})

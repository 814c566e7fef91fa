/**
 * The fixed query set of the geocoder benchmark (moved here from
 * apps/world-mappers/bench/geocoder.bench.ts): every run measures the same work.
 */

/** Real queries of every kind the API sees: plain, accented, qualified, coordinates, no match. */
export const GEOCODE_QUERIES = [
  'Paris',
  'Paris, TX',
  'Portland',
  'Portland, ME',
  'Bellevue, WA, US',
  'Bellevue, Washington',
  'Seattle',
  'New York',
  'Los Angeles, CA',
  'Toronto',
  'Montréal',
  'Mexico City',
  'São Paulo',
  'Sao Paulo',
  'Buenos Aires',
  'Bogotá',
  'Lima, Peru',
  'London',
  'London, Ontario',
  'MÜNCHEN',
  'Munich, Bavaria',
  'Köln',
  'Madrid',
  'Barcelona, Spain',
  'Roma',
  'Zürich',
  'Warszawa',
  'Москва',
  'Istanbul',
  'Cairo',
  'Lagos',
  'Nairobi',
  'Cape Town',
  'Tokyo',
  '東京',
  'Osaka, Japan',
  'Beijing',
  'Mumbai',
  'Bangalore',
  'Ulaanbaatar',
  'Sydney',
  'Perth, Australia',
  'Auckland',
  'Springfield',
  'Springfield, IL',
  'St. Louis',
  'Paris France',
  'Auth0 Office',
  'Depot',
  '47.6,-122.2',
  '48.8584, 2.2945',
  'Atlantis',
  'zzzz qqqq',
  '!!!',
]

/** Deterministic pseudo-random points (mulberry32), so every run measures the same work. */
export function points(count: number, seed: number): Array<[number, number]> {
  let state = seed
  const next = () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return Array.from({ length: count }, () => [next() * 140 - 60, next() * 360 - 180])
}

/** Origin → destination pairs over `names`: each one to the name seven places further on. */
export function directionPairs(names: readonly string[]): Array<[string, string]> {
  return names.map((name, i) => [name, names[(i + 7) % names.length] as string])
}

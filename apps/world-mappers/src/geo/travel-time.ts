/**
 * How long a trip takes and how distances and durations read to people:
 * the travel-time model of the directions, and formatting that is the same on
 * every machine (no locale).
 */

/**
 * The travel-time model. Below `flightThresholdKm` a road-like trip: the
 * great-circle distance times a detour factor (roads are not great circles),
 * at an average speed that includes towns and stops. From `flightThresholdKm`
 * a flight: the great-circle distance at cruise speed, plus a fixed overhead
 * for taxiing, take-off, climb and landing. Deliberately simple: an order of
 * magnitude, not a timetable. The two regimes do not meet at the threshold
 * (16 h 15 min by road just below it, 2 h 15 min by air at it), as a traveller
 * choosing to fly would also find.
 */
export const TRAVEL_MODEL = Object.freeze({
  roadDetourFactor: 1.3,
  roadSpeedKmh: 80,
  flightThresholdKm: 1_000,
  flightSpeedKmh: 800,
  flightOverheadHours: 1,
})

export const ROAD_METHOD =
  'Road estimate: great-circle distance × 1.3 (detour factor) at an average 80 km/h; used below 1,000 km.'
export const FLIGHT_METHOD =
  'Flight estimate: great-circle distance at 800 km/h plus 1 h for taxiing, take-off and landing; used from 1,000 km.'

export interface TravelEstimate {
  seconds: number
  /** "2 h 15 min", "45 min", "under 1 min", "0 min". */
  text: string
  /** How the estimate was made: {@link ROAD_METHOD} or {@link FLIGHT_METHOD}. */
  method: string
}

/** Travel time for a great-circle distance, by {@link TRAVEL_MODEL}. */
export function estimateTravelTime(distanceKm: number): TravelEstimate {
  if (!Number.isFinite(distanceKm) || distanceKm < 0) {
    throw new RangeError(`distanceKm must be a finite number >= 0, got ${distanceKm}`)
  }
  const m = TRAVEL_MODEL
  const flight = distanceKm >= m.flightThresholdKm
  const hours = flight
    ? distanceKm / m.flightSpeedKmh + m.flightOverheadHours
    : (distanceKm * m.roadDetourFactor) / m.roadSpeedKmh
  const seconds = Math.round(hours * 3600)
  return { seconds, text: formatDuration(seconds), method: flight ? FLIGHT_METHOD : ROAD_METHOD }
}

/**
 * A distance for people, the same on every machine (no locale): whole km with
 * thousands separators from 10 km ("5,420 km"), one decimal below ("2.4 km"),
 * "under 0.1 km" for less than that but more than 0, and "0 km".
 */
export function formatDistanceKm(km: number): string {
  const tenths = Math.round(km * 10)
  if (tenths >= 100) return `${groupThousands(Math.round(km))} km`
  if (tenths >= 1) return `${Math.floor(tenths / 10)}.${tenths % 10} km`
  return km > 0 ? 'under 0.1 km' : '0 km'
}

/** A duration for people, to the minute: "2 h 15 min", "3 h", "45 min", "under 1 min", "0 min". */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60)
  if (minutes === 0) return seconds > 0 ? 'under 1 min' : '0 min'
  const h = Math.floor(minutes / 60)
  const min = minutes % 60
  if (h === 0) return `${min} min`
  return min === 0 ? `${groupThousands(h)} h` : `${groupThousands(h)} h ${min} min`
}

function groupThousands(n: number): string {
  const digits = String(Math.abs(Math.trunc(n)))
  let out = ''
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ','
    out += digits[i]
  }
  return n < 0 ? `-${out}` : out
}

/**
 * Directions as a great-circle route through named towns: the distance and
 * initial bearing of the great circle from origin to destination, steps from
 * town to town near that path, an estimated travel time, and the path itself.
 * Not turn-by-turn road directions, and the answer says so.
 */
import {
  type CompassHeading,
  compassHeading,
  type GreatCircleArc,
  greatCircleArc,
  haversineKm,
  initialBearing,
  type LineString,
  toLineString,
} from './great-circle.js'
import { estimateTravelTime, formatDistanceKm, type TravelEstimate } from './travel-time.js'
import type { Gazetteer, Place, ReverseMatch } from './types.js'

export interface DirectionsOptions {
  /** Most towns to route through. Default 12; 0 gives one direct leg. */
  maxWaypoints?: number
  /** Smallest population a waypoint town may have. Default 1,000. */
  minPopulation?: number
}

export const DIRECTIONS_DEFAULTS: Readonly<Required<DirectionsOptions>> = Object.freeze({
  maxWaypoints: 12,
  minPopulation: 1_000,
})

export const DIRECTIONS_NOTE =
  'A great-circle route through named towns, not turn-by-turn road directions.'

export interface DirectionsPoint {
  name: string
  lat: number
  lng: number
}

export interface DirectionsStep {
  /** "Head northeast from Seattle toward Spokane (370 km)", ..., "Arrive at ...". */
  instruction: string
  /** Great-circle length of this leg, km to 0.1; 0 for the final step. */
  distanceKm: number
  from: DirectionsPoint
  to: DirectionsPoint
}

export interface Directions {
  /** Great-circle distance origin → destination, km to 0.1 (not the sum of the legs). */
  distanceKm: number
  /** Degrees clockwise from true north to 0.1, in [0, 360); `null` when origin is destination. */
  initialBearing: number | null
  /** The 16-point compass heading of `initialBearing`; `null` when origin is destination. */
  heading: CompassHeading | null
  estimatedDuration: TravelEstimate
  steps: DirectionsStep[]
  /** The great circle origin → destination; see `toLineString` for the antimeridian. */
  path: LineString
  /** The towns the steps pass through, in path order. */
  waypoints: Place[]
  /** What this is, plus a sentence per leg that passes no towns at all. */
  note: string
}

// Closer than this (1 m), origin and destination are the same place.
const SAME_PLACE_KM = 0.001
// Waypoint sampling: about one per distance/8, kept between 150 and 400 km apart.
const SAMPLES_PER_ROUTE = 8
const MIN_SPACING_KM = 150
const MAX_SPACING_KM = 400
// Corridor radius around each sample: a third of the spacing, 30 to 80 km.
const MIN_CORRIDOR_KM = 30
const MAX_CORRIDOR_KM = 80
// Population tiers, largest first: `nearby` is nearest-first with a limit, so
// asking for big towns first keeps a city at the corridor's edge from being
// crowded out by villages nearer the sample.
const POPULATION_TIERS = [100_000, 10_000]
const NEARBY_LIMIT = 50
// The path is drawn with a vertex about every 100 km, at most 256 segments.
const PATH_SEGMENT_KM = 100
const MAX_PATH_SEGMENTS = 256

/**
 * Plans directions from `origin` to `destination`.
 *
 * Waypoints: the great circle is sampled every 150–400 km (about distance/8,
 * at most `maxWaypoints` samples, none under 225 km); at each sample the most
 * populous town within the corridor radius (a third of the spacing, 30–80 km)
 * is chosen, skipping towns already used, the origin and destination, and
 * towns whose projection onto the path is not at least a quarter-spacing
 * further on than the previous waypoint's (and short of the destination):
 * steps never go backwards. Where no sample along a leg found any town, the
 * leg runs direct and `note` says no named town was found near it.
 *
 * Same place (same id, or under 1 m apart): distance 0, bearing and heading
 * `null`, and a single step "You are already at ...".
 *
 * Deterministic: the same gazetteer answers give deep-equal results.
 */
export function planDirections(
  gazetteer: Pick<Gazetteer, 'nearby'>,
  origin: Place,
  destination: Place,
  options: DirectionsOptions = {},
): Directions {
  const settings = resolveOptions(options)
  checkPlace('origin', origin)
  checkPlace('destination', destination)

  const totalKm = haversineKm(origin, destination)
  if (origin.id === destination.id || totalKm < SAME_PLACE_KM) {
    const here = point(destination)
    return {
      distanceKm: 0,
      initialBearing: null,
      heading: null,
      estimatedDuration: estimateTravelTime(0),
      steps: [
        {
          instruction: `You are already at ${placeLabel(destination)}`,
          distanceKm: 0,
          from: here,
          to: here,
        },
      ],
      path: toLineString([origin, origin]),
      waypoints: [],
      note: DIRECTIONS_NOTE,
    }
  }

  const distanceKm = round1(totalKm)
  const bearing = roundBearing(initialBearing(origin, destination))
  const route = greatCircleArc(origin, destination)
  const { waypoints, emptyAlongKm } = pickWaypoints(
    gazetteer,
    origin,
    destination,
    route,
    totalKm,
    settings,
  )

  const stops = [origin, ...waypoints.map((w) => w.place), destination]
  const alongKm = [0, ...waypoints.map((w) => w.alongKm), totalKm]
  const steps: DirectionsStep[] = []
  const notes = [DIRECTIONS_NOTE]
  for (let i = 0; i + 1 < stops.length; i++) {
    const from = stops[i] as Place
    const to = stops[i + 1] as Place
    const legKm = round1(haversineKm(from, to))
    const heading = compassHeading(roundBearing(initialBearing(from, to)))
    const [fromName, toName] =
      from.name === to.name ? [placeLabel(from), placeLabel(to)] : [from.name, to.name]
    const leg = `from ${fromName} toward ${toName} (${formatDistanceKm(legKm)})`
    steps.push({
      instruction: `Head ${heading.word} ${leg}`,
      distanceKm: legKm,
      from: point(from),
      to: point(to),
    })
    const start = alongKm[i] as number
    const end = alongKm[i + 1] as number
    if (emptyAlongKm.some((km) => km > start && km < end)) {
      notes.push(
        `The leg ${leg} has sampled points with no named town nearby (open water or sparsely inhabited land); it runs direct there.`,
      )
    }
  }
  steps.push({
    instruction: `Arrive at ${placeLabel(destination)}`,
    distanceKm: 0,
    from: point(destination),
    to: point(destination),
  })

  const segments = Math.min(MAX_PATH_SEGMENTS, Math.max(1, Math.ceil(totalKm / PATH_SEGMENT_KM)))
  return {
    distanceKm,
    initialBearing: bearing,
    heading: compassHeading(bearing),
    estimatedDuration: estimateTravelTime(distanceKm),
    steps,
    path: toLineString(route.points(segments)),
    waypoints: waypoints.map((w) => w.place),
    note: notes.join(' '),
  }
}

/**
 * A place as the steps name it in full: "Portland, Oregon, United States";
 * parts equal to one before them are left out ("Singapore"), and the
 * operator's own places show their address ("Auth0 Office, 10900 NE 8th Street, Bellevue").
 */
export function placeLabel(place: Place): string {
  if (place.kind === 'custom' && place.address) return `${place.name}, ${place.address}`
  const parts = [place.name]
  for (const part of [place.region, place.country]) {
    if (part && !parts.includes(part)) parts.push(part)
  }
  return parts.join(', ')
}

interface Waypoint {
  place: Place
  alongKm: number
}

function pickWaypoints(
  gazetteer: Pick<Gazetteer, 'nearby'>,
  origin: Place,
  destination: Place,
  route: GreatCircleArc,
  totalKm: number,
  settings: Required<DirectionsOptions>,
): { waypoints: Waypoint[]; emptyAlongKm: number[] } {
  const spacingKm = clamp(totalKm / SAMPLES_PER_ROUTE, MIN_SPACING_KM, MAX_SPACING_KM)
  const samples = Math.min(settings.maxWaypoints, Math.max(0, Math.round(totalKm / spacingKm) - 1))
  const corridorKm = clamp(spacingKm / 3, MIN_CORRIDOR_KM, MAX_CORRIDOR_KM)
  const minLegKm = spacingKm / 4
  const tiers = [
    ...POPULATION_TIERS.filter((t) => t > settings.minPopulation),
    settings.minPopulation,
  ]

  const waypoints: Waypoint[] = []
  const emptyAlongKm: number[] = []
  const used = new Set([origin.id, destination.id])
  let lastAlongKm = 0
  for (let i = 1; i <= samples; i++) {
    const fraction = i / (samples + 1)
    const at = route.pointAt(fraction)
    let empty = true
    let best: (Waypoint & { match: ReverseMatch }) | undefined
    for (const minPopulation of tiers) {
      const found = gazetteer.nearby(at.lat, at.lng, corridorKm, NEARBY_LIMIT, minPopulation)
      if (found.length > 0) empty = false
      for (const match of found) {
        const { place } = match
        if (place.kind !== 'city' || used.has(place.id) || match.distanceKm > corridorKm) continue
        if (place.population < minPopulation) continue
        // Only a town that would win needs placing on the path (the costlier test).
        if (best && !better(match, best.match)) continue
        const alongKm = route.positionOf(place).alongTrackKm
        if (alongKm <= lastAlongKm + minLegKm || alongKm >= totalKm - minLegKm) continue
        best = { place, alongKm, match }
      }
      if (best) break
    }
    if (empty) emptyAlongKm.push(fraction * totalKm)
    if (best) {
      waypoints.push({ place: best.place, alongKm: best.alongKm })
      used.add(best.place.id)
      lastAlongKm = best.alongKm
    }
  }
  return { waypoints, emptyAlongKm }
}

/** Most populous first, then nearest the sample, then by id, so ties are deterministic. */
function better(a: ReverseMatch, b: ReverseMatch): boolean {
  if (a.place.population !== b.place.population) return a.place.population > b.place.population
  if (a.distanceKm !== b.distanceKm) return a.distanceKm < b.distanceKm
  return a.place.id < b.place.id
}

function resolveOptions(options: DirectionsOptions): Required<DirectionsOptions> {
  const settings = { ...DIRECTIONS_DEFAULTS, ...options }
  if (!Number.isInteger(settings.maxWaypoints) || settings.maxWaypoints < 0) {
    throw new RangeError(
      `maxWaypoints must be an integer >= 0, got ${String(settings.maxWaypoints)}`,
    )
  }
  if (!Number.isFinite(settings.minPopulation) || settings.minPopulation < 0) {
    throw new RangeError(
      `minPopulation must be a finite number >= 0, got ${String(settings.minPopulation)}`,
    )
  }
  return settings
}

function checkPlace(role: string, place: Place) {
  const { lat, lng } = place
  if (!Number.isFinite(lat) || lat < -90 || lat > 90 || !Number.isFinite(lng)) {
    throw new RangeError(`${role} has invalid coordinates: ${String(lat)}, ${String(lng)}`)
  }
}

function point(place: Place): DirectionsPoint {
  return { name: place.name, lat: place.lat, lng: place.lng }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10
}

function roundBearing(bearing: number): number {
  const rounded = round1(bearing)
  return rounded >= 360 ? 0 : rounded
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

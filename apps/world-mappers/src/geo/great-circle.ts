/**
 * Great-circle geometry on a spherical Earth: distance, initial bearing,
 * compass headings, points along the path, and the path as GeoJSON.
 *
 * Positions are unit vectors internally, so nothing special-cases the
 * antimeridian, and the poles are only special where the question itself is
 * (which way is "east" at the North Pole?).
 */

/** Mean Earth radius (IUGG R1), in km. */
export const EARTH_RADIUS_KM = 6371.0088

/** A position in degrees: latitude in [-90, 90], longitude usually in [-180, 180]. */
export interface LatLng {
  readonly lat: number
  readonly lng: number
}

/** The 16 compass points, clockwise from north. */
export type CompassPoint =
  | 'N'
  | 'NNE'
  | 'NE'
  | 'ENE'
  | 'E'
  | 'ESE'
  | 'SE'
  | 'SSE'
  | 'S'
  | 'SSW'
  | 'SW'
  | 'WSW'
  | 'W'
  | 'WNW'
  | 'NW'
  | 'NNW'

/** A compass heading: `{ abbreviation: 'NE', word: 'northeast' }`. */
export interface CompassHeading {
  abbreviation: CompassPoint
  word: string
}

/**
 * A GeoJSON LineString (RFC 7946 §3.1.4), positions as `[lng, lat]`. See
 * {@link toLineString} for how it treats the antimeridian.
 */
export interface LineString {
  type: 'LineString'
  coordinates: Array<[number, number]>
}

const COMPASS: ReadonlyArray<CompassHeading> = Object.freeze(
  (
    [
      ['N', 'north'],
      ['NNE', 'north-northeast'],
      ['NE', 'northeast'],
      ['ENE', 'east-northeast'],
      ['E', 'east'],
      ['ESE', 'east-southeast'],
      ['SE', 'southeast'],
      ['SSE', 'south-southeast'],
      ['S', 'south'],
      ['SSW', 'south-southwest'],
      ['SW', 'southwest'],
      ['WSW', 'west-southwest'],
      ['W', 'west'],
      ['WNW', 'west-northwest'],
      ['NW', 'northwest'],
      ['NNW', 'north-northwest'],
    ] as const
  ).map(([abbreviation, word]) => Object.freeze({ abbreviation, word })),
)

type Vec3 = readonly [number, number, number]

const RAD = Math.PI / 180
const DEG = 180 / Math.PI
// Below this (in radians, ~6 µm on the ground) two directions are treated as equal.
const EPSILON = 1e-12

/**
 * Great-circle distance in km by the haversine formula, on a sphere of radius
 * {@link EARTH_RADIUS_KM}. Error against the ellipsoid is up to about 0.5 %.
 */
export function haversineKm(a: LatLng, b: LatLng): number {
  const dLat = (b.lat - a.lat) * RAD
  const dLng = (b.lng - a.lng) * RAD
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2
  const clamped = Math.min(1, Math.max(0, h))
  return 2 * EARTH_RADIUS_KM * Math.atan2(Math.sqrt(clamped), Math.sqrt(1 - clamped))
}

/**
 * Initial bearing (forward azimuth) from `a` toward `b` along the great circle,
 * in degrees clockwise from true north, in [0, 360).
 *
 * Where the direction is undefined the answer is a convention: 0 when the
 * points coincide; 180 (south) from the North Pole and 0 (north) from the South
 * Pole, since every direction from a pole is the same compass direction; for
 * antipodal points, the route {@link interpolate} takes (via the North Pole
 * side, see there).
 */
export function initialBearing(a: LatLng, b: LatLng): number {
  const A = toVector(a)
  const B = toVector(b)
  if (angleBetween(A, B) < EPSILON) return 0
  if (Math.cos(a.lat * RAD) < EPSILON) return a.lat > 0 ? 180 : 0
  const U = travelDirection(A, B)
  const lng = a.lng * RAD
  const lat = a.lat * RAD
  const east: Vec3 = [-Math.sin(lng), Math.cos(lng), 0]
  const north: Vec3 = [
    -Math.sin(lat) * Math.cos(lng),
    -Math.sin(lat) * Math.sin(lng),
    Math.cos(lat),
  ]
  return normalizeBearing(Math.atan2(dot(U, east), dot(U, north)) * DEG)
}

/**
 * The 16-point compass heading for a bearing in degrees (any value; it is
 * reduced modulo 360). Each point covers 22.5°, centred on its own direction
 * and half-open clockwise: N is [348.75, 11.25), NNE is [11.25, 33.75), ...,
 * so a bearing exactly on a boundary takes the next point clockwise.
 */
export function compassHeading(bearing: number): CompassHeading {
  if (!Number.isFinite(bearing)) throw new RangeError(`Bearing must be finite, got ${bearing}`)
  const index = Math.floor(normalizeBearing(bearing) / 22.5 + 0.5) % 16
  const point = COMPASS[index] as CompassHeading
  return { abbreviation: point.abbreviation, word: point.word }
}

/**
 * The point a `fraction` (0 at `a`, 1 at `b`) of the way along the shorter
 * great-circle arc from `a` to `b` (spherical linear interpolation).
 * Fractions outside [0, 1] continue along the same great circle.
 *
 * Continuous across the antimeridian and over the poles. For antipodal points
 * every great circle through them is equally short; this takes the one that
 * leaves `a` heading north (or, from a pole, down the meridian of longitude 0),
 * so the answer is still deterministic.
 */
export function interpolate(a: LatLng, b: LatLng, fraction: number): LatLng {
  return greatCircleArc(a, b).pointAt(fraction)
}

/**
 * `segments + 1` points evenly spaced along the great circle from `a` to `b`,
 * the first and last being `a` and `b` themselves (not recomputed).
 * Longitudes are in (-180, 180]; use {@link toLineString} to draw them.
 */
export function greatCirclePoints(a: LatLng, b: LatLng, segments: number): LatLng[] {
  return greatCircleArc(a, b).points(segments)
}

/** Where a point lies relative to the great-circle path from `a` to `b`. */
export interface TrackPosition {
  /** Distance along the path from `a` to the point's foot on it; negative when behind `a`. */
  alongTrackKm: number
  /** Distance from the path's great circle; positive to the right of the direction of travel. */
  crossTrackKm: number
}

/**
 * Projects `p` onto the great circle through `a` and `b` (in the direction of
 * {@link interpolate}): how far along the path its closest point lies, and how
 * far off the path it is.
 */
export function trackPosition(a: LatLng, b: LatLng, p: LatLng): TrackPosition {
  return greatCircleArc(a, b).positionOf(p)
}

/**
 * The shorter great-circle arc from `a` to `b`, set up once: for many points
 * along it, or positions against it, without solving the arc again each time.
 * Answers exactly as {@link interpolate} and {@link trackPosition} do.
 */
export interface GreatCircleArc {
  /** As {@link interpolate}: the point a `fraction` of the way from `a` to `b`. */
  pointAt(fraction: number): LatLng
  /** As {@link trackPosition}: where `p` lies relative to the arc. */
  positionOf(p: LatLng): TrackPosition
  /** As {@link greatCirclePoints}: `segments + 1` points evenly spaced from `a` to `b`. */
  points(segments: number): LatLng[]
}

/** The arc from `a` to `b`, solved once (see {@link GreatCircleArc}). */
export function greatCircleArc(a: LatLng, b: LatLng): GreatCircleArc {
  const A = toVector(a)
  const B = toVector(b)
  const delta = angleBetween(A, B)
  const U = travelDirection(A, B)
  // (A, U, A × U) is an orthonormal frame: A × U is the pole of the path,
  // on its left, so a point to the right has a negative component along it.
  const left = cross(A, U)
  const pointAt = (fraction: number): LatLng => {
    const theta = delta * fraction
    const cos = Math.cos(theta)
    const sin = Math.sin(theta)
    return toLatLng([A[0] * cos + U[0] * sin, A[1] * cos + U[1] * sin, A[2] * cos + U[2] * sin])
  }
  return {
    pointAt,
    positionOf(p) {
      const P = toVector(p)
      const crossTrack = -Math.asin(Math.max(-1, Math.min(1, dot(P, left))))
      const alongTrack = Math.atan2(dot(P, U), dot(P, A))
      return {
        alongTrackKm: alongTrack * EARTH_RADIUS_KM,
        crossTrackKm: crossTrack * EARTH_RADIUS_KM,
      }
    },
    points(segments) {
      if (!Number.isInteger(segments) || segments < 1) {
        throw new RangeError(`segments must be a positive integer, got ${segments}`)
      }
      const points: LatLng[] = [{ lat: a.lat, lng: a.lng }]
      for (let i = 1; i < segments; i++) points.push(pointAt(i / segments))
      points.push({ lat: b.lat, lng: b.lng })
      return points
    },
  }
}

/**
 * The points as a GeoJSON LineString, positions rounded to `decimals` places
 * (5 by default, about 1 m).
 *
 * Antimeridian: the line is always one LineString, kept continuous by
 * unwrapping longitudes: each longitude is shifted by a multiple of 360 so it
 * is within 180° of the one before it. The first position keeps its own
 * longitude, so a path that crosses the antimeridian runs beyond ±180 (Tokyo
 * → Honolulu ends at 202.14 rather than -157.86). Web maps (Leaflet, MapLibre,
 * OpenLayers) draw such a line as one continuous arc, where a line with
 * longitudes wrapped to ±180 would be drawn the long way round the world.
 * This departs from the SHOULD of RFC 7946 §3.1.9 (cut the line in two at the
 * antimeridian), in exchange for a single, stable geometry type; a consumer
 * that needs the RFC form can cut where a longitude passes ±180.
 */
export function toLineString(points: ReadonlyArray<LatLng>, decimals = 5): LineString {
  if (points.length < 2) throw new RangeError('A LineString needs at least two positions')
  const factor = 10 ** decimals
  const round = (value: number) => {
    const rounded = Math.round(value * factor) / factor
    return rounded === 0 ? 0 : rounded
  }
  const coordinates: Array<[number, number]> = []
  let previous: number | undefined
  for (const point of points) {
    const lng = previous === undefined ? point.lng : previous + wrapDegrees(point.lng - previous)
    previous = lng
    coordinates.push([round(lng), round(point.lat)])
  }
  return { type: 'LineString', coordinates }
}

/** A longitude reduced to (-180, 180]. */
export function normalizeLongitude(lng: number): number {
  return wrapDegrees(lng)
}

function wrapDegrees(degrees: number): number {
  const wrapped = degrees - 360 * Math.ceil((degrees - 180) / 360)
  return wrapped === -180 ? 180 : wrapped === 0 ? 0 : wrapped
}

function normalizeBearing(degrees: number): number {
  const bearing = ((degrees % 360) + 360) % 360
  return bearing === 360 || bearing === 0 ? 0 : bearing
}

function toVector(p: LatLng): Vec3 {
  const lat = p.lat * RAD
  const lng = p.lng * RAD
  return [Math.cos(lat) * Math.cos(lng), Math.cos(lat) * Math.sin(lng), Math.sin(lat)]
}

function toLatLng(v: Vec3): LatLng {
  const equatorial = Math.hypot(v[0], v[1])
  const lat = Math.atan2(v[2], equatorial) * DEG
  // At a pole every longitude is right; 0 rather than whatever rounding noise says.
  const lng = equatorial < EPSILON ? 0 : Math.atan2(v[1], v[0]) * DEG
  return { lat: lat === 0 ? 0 : lat, lng: wrapDegrees(lng) }
}

/** The angle between two unit vectors, accurate at every size (unlike acos). */
function angleBetween(a: Vec3, b: Vec3): number {
  return Math.atan2(norm(cross(a, b)), dot(a, b))
}

/**
 * The unit vector tangent to the path at `A`, pointing toward `B`: with it the
 * path is `cos(t)·A + sin(t)·U`. When `B` is (almost) `A` or its antipode the
 * direction is undefined, and north is used (or, at a pole, the meridian of 0°).
 */
function travelDirection(A: Vec3, B: Vec3): Vec3 {
  const toward = sub(B, scale(A, dot(A, B)))
  const length = norm(toward)
  if (length > EPSILON) return scale(toward, 1 / length)
  const reference: Vec3 = Math.abs(A[2]) < 1 - EPSILON ? [0, 0, 1] : [1, 0, 0]
  const fallback = sub(reference, scale(A, dot(A, reference)))
  return scale(fallback, 1 / norm(fallback))
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

function scale(a: Vec3, k: number): Vec3 {
  return [a[0] * k, a[1] * k, a[2] * k]
}

function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2])
}

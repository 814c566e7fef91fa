import { around, distance } from 'geokdbush'
import KDBush from 'kdbush'

/** Nearest-neighbour search on the sphere over a fixed set of points (kdbush + geokdbush). */
export interface SpatialIndex {
  /** Point ids nearest first, within `maxKm`, at most `limit`, those `accept` lets through. */
  nearest(
    lat: number,
    lng: number,
    limit: number,
    maxKm: number,
    accept?: (id: number) => boolean,
  ): number[]
  /** Great-circle distance in km. */
  distanceKm(lat1: number, lng1: number, lat2: number, lng2: number): number
}

/** The Earth radius geokdbush measures with, so both searches agree on every distance. */
const GEOKDBUSH_EARTH_RADIUS_KM = 6371
const RAD = Math.PI / 180
/**
 * Up to this radius a search scans the circle's bounding box and keeps the
 * nearest of what is inside, instead of geokdbush's best-first walk. That walk
 * stops only at an accepted point beyond the radius (or at `limit`), so with a
 * selective `accept` (big towns only) or nothing near (open water) it visits
 * much of the tree; the box never leaves the circle's neighbourhood. Beyond
 * this radius a box holds so many points that the walk, which stops at
 * `limit`, is the cheaper.
 */
const BOX_SEARCH_MAX_KM = 150
// Boxes are this much (degrees, ~1 mm) wider than the circle, so rounding never cuts off its edge.
const BOX_MARGIN_DEGREES = 1e-8

/** A lng/lat box, west ≤ east (never across the antimeridian). */
interface Box {
  west: number
  south: number
  east: number
  north: number
}

export function createSpatialIndex(lat: Float64Array, lng: Float64Array): SpatialIndex {
  const index = new KDBush(lat.length, 64, Float64Array)
  for (let i = 0; i < lat.length; i++) index.add(lng[i] as number, lat[i] as number)
  index.finish()

  /** Ids within `maxKm` by a bounding-box scan, nearest first (ties by id), at most `limit`. */
  function nearestInCircle(
    pointLat: number,
    pointLng: number,
    limit: number,
    maxKm: number,
    accept?: (id: number) => boolean,
  ): number[] {
    const nearest = new NearestList(limit)
    const maxHaversine = haversineOfAngle(maxKm / GEOKDBUSH_EARTH_RADIUS_KM)
    const cosLat = Math.cos(pointLat * RAD)
    for (const box of circleBounds(pointLat, pointLng, maxKm)) {
      for (const id of index.range(box.west, box.south, box.east, box.north)) {
        if (accept && !accept(id)) continue
        const h = haversine(pointLat, pointLng, cosLat, lat[id] as number, lng[id] as number)
        if (h <= maxHaversine) nearest.offer(id, h)
      }
    }
    return nearest.ids()
  }

  return {
    nearest(pointLat, pointLng, limit, maxKm, accept) {
      if (lat.length === 0 || !(limit >= 1) || !(maxKm >= 0)) return []
      if (maxKm <= BOX_SEARCH_MAX_KM) {
        return nearestInCircle(pointLat, pointLng, limit, maxKm, accept)
      }
      const within = Number.isFinite(maxKm) ? maxKm : undefined
      return around(index, pointLng, pointLat, limit, within, accept)
    },
    distanceKm: (lat1, lng1, lat2, lng2) => distance(lng1, lat1, lng2, lat2),
  }
}

/**
 * The lng/lat boxes that together cover every point within `km` of a point:
 * one box, or two where the circle crosses the antimeridian, or a band of all
 * longitudes where it reaches a pole.
 */
function circleBounds(lat: number, lng: number, km: number): Box[] {
  const angle = km / GEOKDBUSH_EARTH_RADIUS_KM
  const dLat = angle / RAD + BOX_MARGIN_DEGREES
  const south = Math.max(-90, lat - dLat)
  const north = Math.min(90, lat + dLat)
  // This reaches 1 where the circle holds a pole: it then spans every longitude, as it does
  // from a hemisphere up (where the formula below no longer holds).
  const sinReach = Math.sin(angle) / Math.cos(lat * RAD)
  if (angle >= Math.PI / 2 || !(sinReach < 1)) {
    return [{ west: -180, south, east: 180, north }]
  }
  // The widest longitude span of a circle, at the latitude where its edge is due east.
  const dLng = Math.asin(sinReach) / RAD + BOX_MARGIN_DEGREES
  const west = lng - dLng
  const east = lng + dLng
  if (west < -180) {
    return [
      { west: -180, south, east, north },
      { west: west + 360, south, east: 180, north },
    ]
  }
  if (east > 180) {
    return [
      { west, south, east: 180, north },
      { west: -180, south, east: east - 360, north },
    ]
  }
  return [{ west, south, east, north }]
}

/**
 * The `limit` nearest ids offered so far, kept sorted by haversine value,
 * ties by id (so the answer does not depend on the scan order).
 */
class NearestList {
  private readonly idList: number[] = []
  private readonly haversines: number[] = []

  constructor(private readonly limit: number) {}

  offer(id: number, h: number) {
    const { idList, haversines } = this
    let at = idList.length
    if (at === this.limit) {
      if (!this.before(h, id, at - 1)) return
      at--
    }
    // Insertion sort: shift the farther ones down one place (no splice: it allocates).
    for (; at > 0 && this.before(h, id, at - 1); at--) {
      idList[at] = idList[at - 1] as number
      haversines[at] = haversines[at - 1] as number
    }
    idList[at] = id
    haversines[at] = h
  }

  ids(): number[] {
    return this.idList
  }

  private before(h: number, id: number, at: number): boolean {
    const other = this.haversines[at] as number
    return h < other || (h === other && id < (this.idList[at] as number))
  }
}

/** The haversine of the central angle between two points (0 same place, 1 antipodes). */
function haversine(lat1: number, lng1: number, cosLat1: number, lat2: number, lng2: number) {
  return (
    haversineOfAngle((lat1 - lat2) * RAD) +
    cosLat1 * Math.cos(lat2 * RAD) * haversineOfAngle((lng1 - lng2) * RAD)
  )
}

function haversineOfAngle(radians: number): number {
  const s = Math.sin(radians / 2)
  return s * s
}

import { around, distance } from 'geokdbush'
import KDBush from 'kdbush'

/** Nearest-neighbour search on the sphere over a fixed set of points (kdbush + geokdbush). */
export interface SpatialIndex {
  /**
   * Point ids nearest first, within `maxKm`, at most `limit`, those `accept` lets through
   * with a weight (population) of at least `minWeight`.
   */
  nearest(
    lat: number,
    lng: number,
    limit: number,
    maxKm: number,
    accept?: (id: number) => boolean,
    minWeight?: number,
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

/**
 * Besides the index of every point, one per weight tier holds only the points
 * of at least that weight: directions ask for towns of 100,000 and 10,000
 * people along a route, which a search of every village around would mostly
 * read and reject.
 */
const WEIGHT_TIERS = [1_000, 10_000, 100_000]

/** A lng/lat box, west ≤ east (never across the antimeridian). */
interface Box {
  west: number
  south: number
  east: number
  north: number
}

/** The points of one tier: their own kdbush, and each one's id in the whole set. */
interface Tier {
  minWeight: number
  index: KDBush
  ids: Uint32Array | undefined
}

function buildKdTree(lat: Float64Array, lng: Float64Array, ids?: Uint32Array): KDBush {
  const count = ids ? ids.length : lat.length
  const index = new KDBush(count, 64, Float64Array)
  for (let i = 0; i < count; i++) {
    const id = ids ? (ids[i] as number) : i
    index.add(lng[id] as number, lat[id] as number)
  }
  index.finish()
  return index
}

/** Points with `weight` (population) also get one tree per tier of weight (see WEIGHT_TIERS). */
export function createSpatialIndex(
  lat: Float64Array,
  lng: Float64Array,
  weight?: Float64Array,
): SpatialIndex {
  const tiers: Tier[] = [{ minWeight: 0, index: buildKdTree(lat, lng), ids: undefined }]
  if (weight) {
    for (const minWeight of WEIGHT_TIERS) {
      const ids: number[] = []
      for (let id = 0; id < lat.length; id++) if ((weight[id] as number) >= minWeight) ids.push(id)
      const tierIds = Uint32Array.from(ids)
      tiers.push({ minWeight, index: buildKdTree(lat, lng, tierIds), ids: tierIds })
    }
  }
  /** The smallest tree that holds every point of at least `minWeight`. */
  const tierFor = (minWeight: number): Tier => {
    let chosen = tiers[0] as Tier
    for (const tier of tiers) if (tier.minWeight <= minWeight) chosen = tier
    return chosen
  }

  /** Ids within `maxKm` by a bounding-box scan, nearest first (ties by id), at most `limit`. */
  function nearestInCircle(
    tier: Tier,
    pointLat: number,
    pointLng: number,
    limit: number,
    maxKm: number,
    accept: ((id: number) => boolean) | undefined,
  ): number[] {
    const nearest = new NearestList(limit)
    const maxHaversine = haversineOfAngle(maxKm / GEOKDBUSH_EARTH_RADIUS_KM)
    const cosLat = Math.cos(pointLat * RAD)
    const { index, ids } = tier
    for (const box of circleBounds(pointLat, pointLng, maxKm)) {
      for (const local of index.range(box.west, box.south, box.east, box.north)) {
        const id = ids ? (ids[local] as number) : local
        if (accept && !accept(id)) continue
        const h = haversine(pointLat, pointLng, cosLat, lat[id] as number, lng[id] as number)
        if (h <= maxHaversine) nearest.offer(id, h)
      }
    }
    return nearest.ids()
  }

  return {
    nearest(pointLat, pointLng, limit, maxKm, accept, minWeight = 0) {
      if (lat.length === 0 || !(limit >= 1) || !(maxKm >= 0)) return []
      const tier = tierFor(minWeight)
      const heavyEnough =
        weight && minWeight > tier.minWeight
          ? (id: number) => (weight[id] as number) >= minWeight && (!accept || accept(id))
          : accept
      if (maxKm <= BOX_SEARCH_MAX_KM) {
        return nearestInCircle(tier, pointLat, pointLng, limit, maxKm, heavyEnough)
      }
      const within = Number.isFinite(maxKm) ? maxKm : undefined
      const { ids } = tier
      if (!ids) return around(tier.index, pointLng, pointLat, limit, within, heavyEnough)
      const acceptLocal = heavyEnough && ((local: number) => heavyEnough(ids[local] as number))
      return around(tier.index, pointLng, pointLat, limit, within, acceptLocal).map(
        (local) => ids[local] as number,
      )
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

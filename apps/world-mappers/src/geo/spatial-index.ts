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

export function createSpatialIndex(lat: Float64Array, lng: Float64Array): SpatialIndex {
  const index = new KDBush(lat.length, 64, Float64Array)
  for (let i = 0; i < lat.length; i++) index.add(lng[i] as number, lat[i] as number)
  index.finish()
  return {
    nearest: (pointLat, pointLng, limit, maxKm, accept) =>
      lat.length === 0
        ? []
        : around(
            index,
            pointLng,
            pointLat,
            limit,
            Number.isFinite(maxKm) ? maxKm : undefined,
            accept,
          ),
    distanceKm: (lat1, lng1, lat2, lng2) => distance(lng1, lat1, lng2, lat2),
  }
}

import { describe, expect, it } from 'vitest'
import {
  type CompassPoint,
  compassHeading,
  EARTH_RADIUS_KM,
  greatCircleArc,
  greatCirclePoints,
  haversineKm,
  initialBearing,
  interpolate,
  type LatLng,
  normalizeLongitude,
  toLineString,
  trackPosition,
} from '../src/geo/great-circle.js'

const at = (lat: number, lng: number): LatLng => ({ lat, lng })

const CITY = {
  seattle: at(47.6062, -122.3321),
  portland: at(45.5152, -122.6784),
  paris: at(48.8566, 2.3522),
  berlin: at(52.52, 13.405),
  london: at(51.5074, -0.1278),
  newYork: at(40.7128, -74.006),
  tokyo: at(35.6762, 139.6503),
  honolulu: at(21.3069, -157.8583),
  suva: at(-18.1248, 178.4501),
  apia: at(-13.8333, -171.7667),
  longyearbyen: at(78.2232, 15.6267),
  utqiagvik: at(71.2906, -156.7886),
}

// Independent references: the Vincenty special case for a sphere (well
// conditioned at every distance) and the textbook forward-azimuth formula.
const RAD = Math.PI / 180
function referenceKm(a: LatLng, b: LatLng): number {
  const [p1, p2, dl] = [a.lat * RAD, b.lat * RAD, (b.lng - a.lng) * RAD]
  const y = Math.hypot(
    Math.cos(p2) * Math.sin(dl),
    Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl),
  )
  const x = Math.sin(p1) * Math.sin(p2) + Math.cos(p1) * Math.cos(p2) * Math.cos(dl)
  return Math.atan2(y, x) * EARTH_RADIUS_KM
}
function referenceBearing(a: LatLng, b: LatLng): number {
  const [p1, p2, dl] = [a.lat * RAD, b.lat * RAD, (b.lng - a.lng) * RAD]
  const y = Math.sin(dl) * Math.cos(p2)
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl)
  return (((Math.atan2(y, x) / RAD) % 360) + 360) % 360
}

describe('haversineKm', () => {
  // Published great-circle distances (mean-radius sphere), checked within 1 %.
  const cases: Array<[string, LatLng, LatLng, number]> = [
    ['Seattle → Portland', CITY.seattle, CITY.portland, 233.9],
    ['Paris → Berlin', CITY.paris, CITY.berlin, 878],
    ['London → New York', CITY.london, CITY.newYork, 5570],
    ['Tokyo → Honolulu (crosses the antimeridian)', CITY.tokyo, CITY.honolulu, 6209],
    ['Suva → Apia (crosses the antimeridian)', CITY.suva, CITY.apia, 1149],
    ['Longyearbyen → Utqiaġvik (over the Arctic)', CITY.longyearbyen, CITY.utqiagvik, 3383],
    ['a quarter of the equator', at(0, 0), at(0, 90), 10007.5],
    ['pole to pole', at(90, 0), at(-90, 0), 20015.1],
  ]
  for (const [name, a, b, km] of cases) {
    it(`${name} ≈ ${km} km`, () => {
      const d = haversineKm(a, b)
      expect(Math.abs(d - km) / km).toBeLessThan(0.01)
      expect(d).toBeCloseTo(referenceKm(a, b), 6)
      expect(haversineKm(b, a)).toBeCloseTo(d, 9)
    })
  }

  it('is 0 for the same point, and the antimeridian is no seam', () => {
    expect(haversineKm(CITY.paris, CITY.paris)).toBe(0)
    expect(haversineKm(at(0, 180), at(0, -180))).toBeCloseTo(0, 9)
    expect(haversineKm(at(0, 179.5), at(0, -179.5))).toBeCloseTo(111.195, 3)
  })
})

describe('initialBearing', () => {
  const cases: Array<[string, LatLng, LatLng, number]> = [
    ['due north', at(0, 0), at(10, 0), 0],
    ['due east at the equator', at(0, 0), at(0, 10), 90],
    ['due south', at(0, 0), at(-10, 0), 180],
    ['due west at the equator', at(0, 0), at(0, -10), 270],
    ['east across the antimeridian', at(0, 179), at(0, -179), 90],
    ['west across the antimeridian', at(0, -179), at(0, 179), 270],
    ['London → New York', CITY.london, CITY.newYork, 288.33],
    ['Seattle → Portland', CITY.seattle, CITY.portland, 186.62],
    ['Tokyo → Honolulu', CITY.tokyo, CITY.honolulu, 86.94],
    ['Suva → Apia', CITY.suva, CITY.apia, 66.88],
    ['Longyearbyen → Utqiaġvik, over the pole region', CITY.longyearbyen, CITY.utqiagvik, 355.2],
  ]
  for (const [name, a, b, degrees] of cases) {
    it(`${name}: ${degrees}°`, () => {
      const bearing = initialBearing(a, b)
      expect(bearing).toBeCloseTo(degrees, 2)
      expect(bearing).toBeCloseTo(referenceBearing(a, b), 6)
    })
  }

  const conventions: Array<[string, LatLng, LatLng, number]> = [
    ['the same point', CITY.paris, CITY.paris, 0],
    ['from the North Pole: every way is south', at(90, 0), CITY.tokyo, 180],
    ['from the North Pole, whatever its stated longitude', at(90, 123), CITY.tokyo, 180],
    ['from the South Pole: every way is north', at(-90, 0), CITY.tokyo, 0],
    ['antipodes: the route leaves heading north', at(10, 20), at(-10, -160), 0],
  ]
  for (const [name, a, b, degrees] of conventions) {
    it(`${name}: ${degrees}°`, () => {
      expect(initialBearing(a, b)).toBe(degrees)
    })
  }

  it('always answers in [0, 360)', () => {
    for (let lng = -180; lng <= 180; lng += 7.5) {
      for (let lat = -80; lat <= 80; lat += 20) {
        const bearing = initialBearing(at(lat, 0), at(-lat / 2, lng))
        expect(bearing).toBeGreaterThanOrEqual(0)
        expect(bearing).toBeLessThan(360)
      }
    }
  })
})

describe('compassHeading', () => {
  const points: Array<[CompassPoint, string]> = [
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
  ]
  points.forEach(([abbreviation, word], i) => {
    const centre = i * 22.5
    const lower = (centre - 11.25 + 360) % 360
    const next = points[(i + 1) % 16] as [CompassPoint, string]
    it(`${abbreviation} (${word}) covers [${lower}, ${centre + 11.25})`, () => {
      const expected = { abbreviation, word }
      expect(compassHeading(centre)).toEqual(expected)
      expect(compassHeading(lower)).toEqual(expected)
      expect(compassHeading(centre + 11.249)).toEqual(expected)
      expect(compassHeading(centre + 11.25)).toEqual({ abbreviation: next[0], word: next[1] })
    })
  })

  const wrapped: Array<[number, CompassPoint]> = [
    [360, 'N'],
    [359.99, 'N'],
    [-90, 'W'],
    [-11.25, 'N'],
    [720 + 45, 'NE'],
  ]
  for (const [bearing, abbreviation] of wrapped) {
    it(`reduces ${bearing}° to ${abbreviation}`, () => {
      expect(compassHeading(bearing).abbreviation).toBe(abbreviation)
    })
  }

  it('rejects a bearing that is not a number', () => {
    expect(() => compassHeading(Number.NaN)).toThrow(RangeError)
    expect(() => compassHeading(Number.POSITIVE_INFINITY)).toThrow('Bearing must be finite')
  })
})

describe('interpolate and greatCirclePoints', () => {
  const routes: Array<[string, LatLng, LatLng]> = [
    ['Paris → Berlin', CITY.paris, CITY.berlin],
    ['Tokyo → Honolulu', CITY.tokyo, CITY.honolulu],
    ['Honolulu → Tokyo', CITY.honolulu, CITY.tokyo],
    ['Suva → Apia', CITY.suva, CITY.apia],
    ['Longyearbyen → Utqiaġvik', CITY.longyearbyen, CITY.utqiagvik],
    ['over the North Pole', at(80, 0), at(80, 180)],
    ['from the South Pole', at(-90, 0), CITY.suva],
  ]
  for (const [name, a, b] of routes) {
    it(`${name}: evenly spaced points on the great circle, ends exact`, () => {
      const total = haversineKm(a, b)
      const points = greatCirclePoints(a, b, 20)
      expect(points).toHaveLength(21)
      expect(points[0]).toEqual(a)
      expect(points[20]).toEqual(b)
      points.forEach((p, i) => {
        expect(p.lng).toBeGreaterThan(-180)
        expect(p.lng).toBeLessThanOrEqual(180)
        expect(haversineKm(a, p)).toBeCloseTo((total * i) / 20, 6)
        expect(haversineKm(p, b)).toBeCloseTo((total * (20 - i)) / 20, 6)
        if (i > 0) expect(haversineKm(points[i - 1] as LatLng, p)).toBeCloseTo(total / 20, 6)
      })
    })
  }

  it('goes over the pole when the pole is on the way', () => {
    const middle = interpolate(at(80, 0), at(80, 180), 0.5)
    expect(middle.lat).toBeCloseTo(90, 9)
    const arctic = greatCirclePoints(CITY.longyearbyen, CITY.utqiagvik, 40)
    expect(Math.max(...arctic.map((p) => p.lat))).toBeGreaterThan(88.9)
  })

  it('crosses the antimeridian the short way (Tokyo → Honolulu stays in the Pacific)', () => {
    const points = greatCirclePoints(CITY.tokyo, CITY.honolulu, 30)
    for (const p of points) expect(p.lng >= 139 || p.lng <= -157).toBe(true)
    expect(points.some((p) => p.lng > 170)).toBe(true)
    expect(points.some((p) => p.lng < -170)).toBe(true)
  })

  it('takes a deterministic route between antipodes: north from the start', () => {
    const a = at(10, 20)
    const b = at(-10, -160)
    const quarter = interpolate(a, b, 0.25)
    expect(quarter.lat).toBeCloseTo(55, 9)
    expect(quarter.lng).toBeCloseTo(20, 9)
    expect(interpolate(a, b, 1).lat).toBeCloseTo(-10, 9)
    expect(interpolate(a, b, 1).lng).toBeCloseTo(-160, 9)
  })

  it('stays put between a point and itself', () => {
    expect(interpolate(CITY.paris, CITY.paris, 0.5).lat).toBeCloseTo(CITY.paris.lat, 12)
    expect(interpolate(CITY.paris, CITY.paris, 0.5).lng).toBeCloseTo(CITY.paris.lng, 12)
  })

  it('rejects a segment count that is not a positive integer', () => {
    expect(() => greatCirclePoints(CITY.paris, CITY.berlin, 0)).toThrow(RangeError)
    expect(() => greatCirclePoints(CITY.paris, CITY.berlin, 2.5)).toThrow(
      'segments must be a positive integer, got 2.5',
    )
  })
})

describe('trackPosition', () => {
  const equator = [at(0, 0), at(0, 90)] as const
  const quarter = (Math.PI / 4) * EARTH_RADIUS_KM
  const degree = (Math.PI / 180) * EARTH_RADIUS_KM
  const cases: Array<[string, LatLng, number, number]> = [
    ['on the path', at(0, 45), quarter, 0],
    ['north of an eastbound path: left, negative', at(1, 45), quarter, -degree],
    ['south of an eastbound path: right, positive', at(-1, 45), quarter, degree],
    ['behind the start: negative along', at(0, -10), -10 * degree, 0],
    ['beyond the end', at(0, 100), 100 * degree, 0],
  ]
  for (const [name, p, along, across] of cases) {
    it(name, () => {
      const position = trackPosition(equator[0], equator[1], p)
      expect(position.alongTrackKm).toBeCloseTo(along, 6)
      expect(position.crossTrackKm).toBeCloseTo(across, 6)
    })
  }

  it('measures across the antimeridian', () => {
    const position = trackPosition(at(0, 170), at(0, -170), at(0.5, 179.5))
    expect(position.alongTrackKm).toBeCloseTo(9.5 * degree, 6)
    expect(position.crossTrackKm).toBeCloseTo(-0.5 * degree, 6)
  })
})

describe('greatCircleArc: one arc, solved once, for many points and positions', () => {
  const routes: Array<[string, LatLng, LatLng]> = [
    ['Paris → Berlin', CITY.paris, CITY.berlin],
    ['Suva → Apia (across the antimeridian)', CITY.suva, CITY.apia],
    ['Longyearbyen → Utqiaġvik (over the Arctic)', CITY.longyearbyen, CITY.utqiagvik],
    ['from the North Pole', at(90, 0), CITY.seattle],
    ['between antipodes', at(10, 20), at(-10, -160)],
  ]
  const fractions = [0, 0.1, 0.25, 0.5, 0.9, 1, 1.2]
  for (const [name, a, b] of routes) {
    it(`${name}: answers exactly as interpolate, trackPosition and greatCirclePoints`, () => {
      const arc = greatCircleArc(a, b)
      for (const fraction of fractions) {
        expect(arc.pointAt(fraction)).toEqual(interpolate(a, b, fraction))
      }
      for (const p of Object.values(CITY)) expect(arc.positionOf(p)).toEqual(trackPosition(a, b, p))
      expect(arc.points(13)).toEqual(greatCirclePoints(a, b, 13))
    })

    it(`${name}: its points lie on it, each a fraction of the way along`, () => {
      const arc = greatCircleArc(a, b)
      const total = haversineKm(a, b)
      for (const fraction of fractions.filter((f) => f < 1)) {
        const position = arc.positionOf(arc.pointAt(fraction))
        expect(position.crossTrackKm).toBeCloseTo(0, 6)
        // To the metre: haversineKm loses a few millimetres between antipodes.
        expect(position.alongTrackKm).toBeCloseTo(total * fraction, 3)
      }
    })
  }
})

describe('toLineString', () => {
  it('keeps a path that does not cross the antimeridian as it is, rounded to 5 places', () => {
    const line = toLineString([at(48.856614, 2.3522219), at(52.5200066, 13.404954)])
    expect(line).toEqual({
      type: 'LineString',
      coordinates: [
        [2.35222, 48.85661],
        [13.40495, 52.52001],
      ],
    })
  })

  const crossings: Array<[string, LatLng, LatLng, number]> = [
    ['eastward, Tokyo → Honolulu: beyond +180', CITY.tokyo, CITY.honolulu, 360],
    ['westward, Honolulu → Tokyo: beyond -180', CITY.honolulu, CITY.tokyo, -360],
    ['eastward, Suva → Apia', CITY.suva, CITY.apia, 360],
  ]
  for (const [name, a, b, shift] of crossings) {
    it(`unwraps longitudes so the line is continuous: ${name}`, () => {
      const { coordinates } = toLineString(greatCirclePoints(a, b, 64))
      expect(coordinates[0]).toEqual([a.lng, a.lat])
      const last = coordinates.at(-1) as [number, number]
      expect(last[0]).toBeCloseTo(b.lng + shift, 5)
      expect(last[1]).toBeCloseTo(b.lat, 5)
      for (let i = 1; i < coordinates.length; i++) {
        const [lng0, lat0] = coordinates[i - 1] as [number, number]
        const [lng1, lat1] = coordinates[i] as [number, number]
        expect(Math.abs(lng1 - lng0)).toBeLessThan(5)
        expect(Math.abs(lat1 - lat0)).toBeLessThan(5)
        expect(Math.sign(lng1 - lng0)).toBe(Math.sign(shift))
      }
    })
  }

  it('over the pole, jumps longitude only at the pole itself', () => {
    const { coordinates } = toLineString(greatCirclePoints(at(80, 0), at(80, 180), 4))
    expect(coordinates).toEqual([
      [0, 80],
      [0, 85],
      [0, 90],
      [180, 85],
      [180, 80],
    ])
  })

  it('needs two positions', () => {
    expect(() => toLineString([CITY.paris])).toThrow('A LineString needs at least two positions')
  })
})

describe('normalizeLongitude', () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [-0, 0],
    [180, 180],
    [-180, 180],
    [181, -179],
    [-181, 179],
    [540, 180],
    [202.1417, -157.8583],
    [-725, -5],
  ]
  for (const [input, expected] of cases) {
    it(`${Object.is(input, -0) ? '-0' : input} → ${expected}`, () => {
      expect(normalizeLongitude(input)).toBeCloseTo(expected, 9)
      expect(Object.is(normalizeLongitude(input), -0)).toBe(false)
    })
  }
})

import { describe, expect, it } from 'vitest'
import {
  DIRECTIONS_NOTE,
  type Directions,
  placeLabel,
  planDirections,
} from '../src/geo/directions.js'
import { haversineKm, type LatLng, trackPosition } from '../src/geo/great-circle.js'
import { createSpatialIndex } from '../src/geo/spatial-index.js'
import {
  estimateTravelTime,
  FLIGHT_METHOD,
  formatDistanceKm,
  formatDuration,
  ROAD_METHOD,
} from '../src/geo/travel-time.js'
import type { Gazetteer, Place, ReverseMatch } from '../src/geo/types.js'

// A small stand-in for the real gazetteer: the same contract (within maxKm,
// nearest first, at most limit, at least minPopulation) by a linear scan,
// recording every call so tests can see where it was asked.
interface NearbyCall {
  lat: number
  lng: number
  maxKm: number
  limit: number
  minPopulation: number
}
function fakeGazetteer(places: Place[]): Pick<Gazetteer, 'nearby'> & { calls: NearbyCall[] } {
  const calls: NearbyCall[] = []
  return {
    calls,
    nearby(lat, lng, maxKm, limit, minPopulation = 0) {
      calls.push({ lat, lng, maxKm, limit, minPopulation })
      return places
        .map((place): ReverseMatch => ({ place, distanceKm: haversineKm({ lat, lng }, place) }))
        .filter((m) => m.distanceKm <= maxKm && m.place.population >= minPopulation)
        .sort((a, b) => a.distanceKm - b.distanceKm || (a.place.id < b.place.id ? -1 : 1))
        .slice(0, limit)
    },
  }
}

function city(
  name: string,
  lat: number,
  lng: number,
  population: number,
  region: string | undefined,
  country: string,
  countryCode: string,
): Place {
  const slug = `${countryCode}-${region ?? ''}-${name}`.toLowerCase().replace(/[^a-z0-9]+/g, '-')
  return {
    id: `geonames:${slug}`,
    name,
    lat,
    lng,
    region,
    regionCode: undefined,
    country,
    countryCode,
    population,
    kind: 'city',
  }
}
const us = (name: string, lat: number, lng: number, population: number, region: string) =>
  city(name, lat, lng, population, region, 'United States', 'US')

const TOWNS = {
  seattle: us('Seattle', 47.6062, -122.3321, 737_015, 'Washington'),
  portland: us('Portland', 45.5152, -122.6784, 652_503, 'Oregon'),
  tacoma: us('Tacoma', 47.2529, -122.4443, 219_346, 'Washington'),
  olympia: us('Olympia', 47.0379, -122.9007, 55_605, 'Washington'),
  centralia: us('Centralia', 46.7162, -122.9543, 18_183, 'Washington'),
  chehalis: us('Chehalis', 46.6621, -122.964, 7_439, 'Washington'),
  longview: us('Longview', 46.1382, -122.9382, 37_818, 'Washington'),
  wenatchee: us('Wenatchee', 47.4235, -120.3103, 35_508, 'Washington'),
  ephrata: us('Ephrata', 47.3176, -119.5537, 8_000, 'Washington'),
  ellensburg: us('Ellensburg', 46.9965, -120.5478, 21_111, 'Washington'),
  spokane: us('Spokane', 47.6588, -117.426, 228_989, 'Washington'),
  portlandMaine: us('Portland', 43.6591, -70.2568, 68_408, 'Maine'),
  newYork: us('New York', 40.7128, -74.006, 8_804_190, 'New York'),
  lisbon: city('Lisbon', 38.7223, -9.1393, 517_802, 'Lisbon', 'Portugal', 'PT'),
  porto: city('Porto', 41.1579, -8.6291, 249_633, 'Porto', 'Portugal', 'PT'),
  suva: city('Suva', -18.1248, 178.4501, 93_970, 'Central', 'Fiji', 'FJ'),
  savusavu: city('Savusavu', -16.7767, 179.3389, 3_372, 'Northern', 'Fiji', 'FJ'),
  lomaloma: city('Lomaloma', -17.283, -178.983, 1_200, 'Eastern', 'Fiji', 'FJ'),
  niuafoou: city("Niuafo'ou", -15.6, -175.63, 1_300, 'Ongo Niua', 'Tonga', 'TO'),
  apia: city('Apia', -13.8333, -171.7667, 40_407, 'Tuamasaga', 'Samoa', 'WS'),
}
const ALL_TOWNS = Object.values(TOWNS)

const northPoleDepot: Place = {
  id: 'custom:north-pole-depot',
  name: 'North Pole Depot',
  lat: 90,
  lng: 0,
  region: undefined,
  regionCode: undefined,
  country: '',
  countryCode: '',
  population: 0,
  kind: 'custom',
}
const auth0Office: Place = {
  id: 'custom:auth0-office',
  name: 'Auth0 Office',
  lat: 47.6178819,
  lng: -122.194041,
  region: 'Washington',
  regionCode: 'WA',
  country: 'United States',
  countryCode: 'US',
  population: 0,
  address: '10900 NE 8th Street, Bellevue',
  kind: 'custom',
}

const plan = (origin: Place, destination: Place, towns: Place[] = ALL_TOWNS) =>
  planDirections(fakeGazetteer(towns), origin, destination)

/** Every number anywhere in a value, with its path, to check none is NaN or infinite. */
function numbersIn(value: unknown, path = '$'): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]]
  if (Array.isArray(value)) return value.flatMap((v, i) => numbersIn(v, `${path}[${i}]`))
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => numbersIn(v, `${path}.${k}`))
  }
  return []
}
function expectAllFinite(directions: Directions) {
  const bad = numbersIn(directions).filter(([, n]) => !Number.isFinite(n))
  expect(bad).toEqual([])
}

describe('planDirections: step texts for a fixed set of towns', () => {
  const cases: Array<[string, Place, Place, string[]]> = [
    [
      'Seattle → Portland, through the most populous town near the midpoint',
      TOWNS.seattle,
      TOWNS.portland,
      [
        'Head south-southwest from Seattle toward Centralia (110 km)',
        'Head south from Centralia toward Portland (135 km)',
        'Arrive at Portland, Oregon, United States',
      ],
    ],
    [
      'Portland → Seattle',
      TOWNS.portland,
      TOWNS.seattle,
      [
        'Head north from Portland toward Centralia (135 km)',
        'Head north-northeast from Centralia toward Seattle (110 km)',
        'Arrive at Seattle, Washington, United States',
      ],
    ],
    [
      'Seattle → Spokane',
      TOWNS.seattle,
      TOWNS.spokane,
      [
        'Head east from Seattle toward Wenatchee (153 km)',
        'Head east from Wenatchee toward Spokane (218 km)',
        'Arrive at Spokane, Washington, United States',
      ],
    ],
    [
      'Seattle → Tacoma: too short for waypoints',
      TOWNS.seattle,
      TOWNS.tacoma,
      [
        'Head south-southwest from Seattle toward Tacoma (40 km)',
        'Arrive at Tacoma, Washington, United States',
      ],
    ],
    [
      'Lisbon → New York: open water, one direct leg',
      TOWNS.lisbon,
      TOWNS.newYork,
      [
        'Head west-northwest from Lisbon toward New York (5,422 km)',
        // The region equal to the name is not repeated.
        'Arrive at New York, United States',
      ],
    ],
    [
      'Portland, Oregon → Portland, Maine: same names are told apart',
      TOWNS.portland,
      TOWNS.portlandMaine,
      [
        'Head east-northeast from Portland, Oregon, United States toward Portland, Maine, United States (4,082 km)',
        'Arrive at Portland, Maine, United States',
      ],
    ],
    [
      'North Pole Depot → Auth0 Office: from the pole every way is south',
      northPoleDepot,
      auth0Office,
      [
        'Head south from North Pole Depot toward Auth0 Office (4,713 km)',
        'Arrive at Auth0 Office, 10900 NE 8th Street, Bellevue',
      ],
    ],
  ]
  for (const [name, origin, destination, instructions] of cases) {
    it(name, () => {
      const directions = plan(origin, destination)
      expect(directions.steps.map((s) => s.instruction)).toEqual(instructions)
      expectAllFinite(directions)
    })
  }

  it('gives the whole answer for Seattle → Portland', () => {
    const directions = plan(TOWNS.seattle, TOWNS.portland)
    const seattle = { name: 'Seattle', lat: 47.6062, lng: -122.3321 }
    const centralia = { name: 'Centralia', lat: 46.7162, lng: -122.9543 }
    const portland = { name: 'Portland', lat: 45.5152, lng: -122.6784 }
    expect(directions).toEqual({
      distanceKm: 234,
      initialBearing: 186.6,
      heading: { abbreviation: 'S', word: 'south' },
      estimatedDuration: { seconds: 13_689, text: '3 h 48 min', method: ROAD_METHOD },
      steps: [
        {
          instruction: 'Head south-southwest from Seattle toward Centralia (110 km)',
          distanceKm: 109.6,
          from: seattle,
          to: centralia,
        },
        {
          instruction: 'Head south from Centralia toward Portland (135 km)',
          distanceKm: 135.2,
          from: centralia,
          to: portland,
        },
        {
          instruction: 'Arrive at Portland, Oregon, United States',
          distanceKm: 0,
          from: portland,
          to: portland,
        },
      ],
      path: {
        type: 'LineString',
        coordinates: [
          [-122.3321, 47.6062],
          [-122.45052, 46.90932],
          [-122.56591, 46.21232],
          [-122.6784, 45.5152],
        ],
      },
      waypoints: [TOWNS.centralia],
      note: DIRECTIONS_NOTE,
    })
  })

  it('Seattle → Portland is within 1 % of 233.9 km, Paris → Berlin of 878 km', () => {
    expect(Math.abs(plan(TOWNS.seattle, TOWNS.portland).distanceKm - 233.9)).toBeLessThan(2.339)
    const paris = city('Paris', 48.8566, 2.3522, 2_138_551, 'Île-de-France', 'France', 'FR')
    const berlin = city('Berlin', 52.52, 13.405, 3_426_354, 'Berlin', 'Germany', 'DE')
    const directions = plan(paris, berlin, [paris, berlin])
    expect(Math.abs(directions.distanceKm - 878)).toBeLessThan(8.78)
    expect(directions.heading).toEqual({ abbreviation: 'ENE', word: 'east-northeast' })
  })

  it('says a leg with no towns at all passes open water or uninhabited land', () => {
    const directions = plan(TOWNS.lisbon, TOWNS.newYork)
    expect(directions.waypoints).toEqual([])
    expect(directions.note).toBe(
      `${DIRECTIONS_NOTE} The leg from Lisbon toward New York (5,422 km) has sampled points with no named town nearby (open water or sparsely inhabited land); it runs direct there.`,
    )
    expect(directions.estimatedDuration.method).toBe(FLIGHT_METHOD)
  })

  it('takes minPopulation as the smallest eligible town; smaller ones do not count', () => {
    const small = us('Tiny', 46.56, -122.5, 900, 'Washington')
    const towns = [TOWNS.seattle, TOWNS.portland, small]
    const low = planDirections(fakeGazetteer(towns), TOWNS.seattle, TOWNS.portland, {
      minPopulation: 0,
    })
    expect(low.waypoints).toEqual([small])
    expect(low.note).toBe(DIRECTIONS_NOTE)
    const standard = plan(TOWNS.seattle, TOWNS.portland, towns)
    expect(standard.waypoints).toEqual([])
    expect(standard.note).toBe(
      `${DIRECTIONS_NOTE} The leg from Seattle toward Portland (234 km) has sampled points with no named town nearby (open water or sparsely inhabited land); it runs direct there.`,
    )
  })

  it('does not call a leg empty when its samples found places, even unusable ones', () => {
    const warehouse: Place = {
      ...us('Warehouse', 46.56, -122.5, 5_000, 'Washington'),
      id: 'custom:warehouse',
      kind: 'custom',
    }
    const directions = plan(TOWNS.seattle, TOWNS.portland, [
      TOWNS.seattle,
      TOWNS.portland,
      warehouse,
    ])
    expect(directions.waypoints).toEqual([])
    expect(directions.note).toBe(DIRECTIONS_NOTE)
  })
})

describe('planDirections: the route', () => {
  it('crosses the antimeridian: Suva → Apia', () => {
    const directions = plan(TOWNS.suva, TOWNS.apia)
    expect(Math.abs(directions.distanceKm - 1149.2)).toBeLessThan(0.1)
    expect(directions.initialBearing).toBe(66.9)
    expect(directions.heading).toEqual({ abbreviation: 'ENE', word: 'east-northeast' })
    expect(directions.waypoints.map((p) => p.name)).toEqual(['Lomaloma', "Niuafo'ou"])
    expect(directions.steps.map((s) => s.instruction)).toEqual([
      'Head east-northeast from Suva toward Lomaloma (288 km)',
      "Head east-northeast from Lomaloma toward Niuafo'ou (404 km)",
      "Head east-northeast from Niuafo'ou toward Apia (460 km)",
      'Arrive at Apia, Tuamasaga, Samoa',
    ])
    const { coordinates } = directions.path
    expect(coordinates[0]).toEqual([178.4501, -18.1248])
    expect(coordinates.at(-1)).toEqual([-171.7667 + 360, -13.8333])
    for (let i = 1; i < coordinates.length; i++) {
      const [lng0] = coordinates[i - 1] as [number, number]
      const [lng1] = coordinates[i] as [number, number]
      expect(lng1 - lng0).toBeGreaterThan(0)
      expect(lng1 - lng0).toBeLessThan(2)
    }
  })

  it('crosses the pole region: North Pole Depot → Auth0 Office', () => {
    const directions = plan(northPoleDepot, auth0Office)
    expect(directions.initialBearing).toBe(180)
    expect(directions.heading).toEqual({ abbreviation: 'S', word: 'south' })
    const { coordinates } = directions.path
    expect(coordinates[0]).toEqual([0, 90])
    expect(coordinates.at(-1)).toEqual([-122.19404, 47.61788])
    const legs = coordinates
      .slice(1)
      .map((c, i) => haversineKm(toLatLng(coordinates[i] as [number, number]), toLatLng(c)))
    for (const km of legs) expect(km).toBeCloseTo(directions.distanceKm / legs.length, 0)
  })

  it('keeps waypoints in path order and inside the corridor of a sample on the path', () => {
    const grid = townGrid({ south: 40, north: 56, west: -6, east: 26, step: 0.25 })
    const routes: Array<[LatLng, LatLng]> = [
      [
        { lat: 48.8566, lng: 2.3522 },
        { lat: 52.52, lng: 13.405 },
      ],
      [
        { lat: 41.5, lng: -5.5 },
        { lat: 55.5, lng: 25.5 },
      ],
      [
        { lat: 55, lng: 25 },
        { lat: 40.5, lng: 0 },
      ],
      [
        { lat: 47, lng: 10 },
        { lat: 49, lng: 14 },
      ],
    ]
    for (const [a, b] of routes) {
      const origin = city('Origin', a.lat, a.lng, 1, undefined, 'Testland', 'TL')
      const destination = city('Destination', b.lat, b.lng, 1, undefined, 'Testland', 'TL')
      const gazetteer = fakeGazetteer(grid)
      const directions = planDirections(gazetteer, origin, destination)
      const totalKm = haversineKm(origin, destination)

      expect(directions.waypoints.length).toBeGreaterThan(0)
      expect(directions.waypoints.length).toBeLessThanOrEqual(12)
      const ids = directions.waypoints.map((p) => p.id)
      expect(new Set(ids).size).toBe(ids.length)

      // Every sample is on the path; every waypoint within its sample's radius.
      for (const call of gazetteer.calls) {
        expect(Math.abs(trackPosition(origin, destination, call).crossTrackKm)).toBeLessThan(1e-6)
      }
      for (const waypoint of directions.waypoints) {
        const near = gazetteer.calls.some((c) => haversineKm(c, waypoint) <= c.maxKm)
        expect(near).toBe(true)
        expect(Math.abs(trackPosition(origin, destination, waypoint).crossTrackKm)).toBeLessThan(80)
      }

      const along = directions.waypoints.map(
        (p) => trackPosition(origin, destination, p).alongTrackKm,
      )
      const ordered = [0, ...along, totalKm]
      for (let i = 1; i < ordered.length; i++) {
        expect(ordered[i]).toBeGreaterThan(ordered[i - 1] as number)
      }

      // Steps chain origin → waypoints → destination; legs add up to a little more.
      const stops = directions.steps.map((s) => s.from.name)
      expect(stops).toEqual(['Origin', ...directions.waypoints.map((p) => p.name), 'Destination'])
      const legKm = directions.steps.reduce((sum, s) => sum + s.distanceKm, 0)
      expect(legKm).toBeGreaterThanOrEqual(directions.distanceKm - 0.5)
      expect(legKm).toBeLessThan(directions.distanceKm * 1.1)
    }
  })

  it('picks the most populous town in the corridor, even behind a crowd of nearer villages', () => {
    // Seattle → Portland samples once, at the midpoint, with a 50 km corridor.
    const midpoint = { lat: 46.5617, lng: -122.5113 }
    const villages = Array.from({ length: 60 }, (_, i) =>
      us(
        `Village ${i}`,
        midpoint.lat + (i % 10) * 0.01,
        midpoint.lng + Math.floor(i / 10) * 0.01,
        2_000,
        'Washington',
      ),
    )
    const town = us('Bigtown', midpoint.lat, midpoint.lng + 0.6, 150_000, 'Washington')
    const directions = plan(TOWNS.seattle, TOWNS.portland, [
      TOWNS.seattle,
      TOWNS.portland,
      town,
      ...villages,
    ])
    expect(directions.waypoints).toEqual([town])
  })

  it('skips a town that would make a leg shorter than a quarter of the sample spacing', () => {
    // 375 km along the equator: spacing 150 km, samples at 125 and 250 km,
    // corridor 50 km, shortest leg 37.5 km.
    const km = (d: number) => d / 111.19508
    const origin = city('West', 0, 0, 1, undefined, 'Testland', 'TL')
    const destination = city('East', 0, km(375), 1, undefined, 'Testland', 'TL')
    const first = city('First', 0, km(170), 50_000, undefined, 'Testland', 'TL')
    const tooClose = city('Tooclose', 0, km(205), 900_000, undefined, 'Testland', 'TL')
    const later = city('Later', 0, km(260), 20_000, undefined, 'Testland', 'TL')
    const directions = plan(origin, destination, [origin, destination, first, tooClose, later])
    expect(directions.waypoints.map((p) => p.name)).toEqual(['First', 'Later'])
  })

  it('never uses the origin, the destination or the operator’s own places as waypoints', () => {
    const warehouse: Place = {
      ...us('Warehouse', 46.5617, -122.5113, 5_000_000, 'Washington'),
      id: 'custom:warehouse',
      kind: 'custom',
    }
    const directions = plan(TOWNS.seattle, TOWNS.portland, [
      TOWNS.seattle,
      TOWNS.portland,
      warehouse,
      TOWNS.centralia,
    ])
    expect(directions.waypoints).toEqual([TOWNS.centralia])
  })

  it('routes through at most maxWaypoints towns (12 by default)', () => {
    // 60° of equator (6,672 km) with a town every half degree.
    const towns = Array.from({ length: 121 }, (_, i) =>
      city(`T${i}`, 0.1, i * 0.5, 10_000 + i, undefined, 'Testland', 'TL'),
    )
    const origin = city('West', 0, 0, 1, undefined, 'Testland', 'TL')
    const destination = city('East', 0, 60, 1, undefined, 'Testland', 'TL')
    const cases: Array<[number | undefined, number]> = [
      [undefined, 12],
      [3, 3],
      [0, 0],
    ]
    for (const [maxWaypoints, expected] of cases) {
      const gazetteer = fakeGazetteer(towns)
      const options = maxWaypoints === undefined ? {} : { maxWaypoints }
      const directions = planDirections(gazetteer, origin, destination, options)
      expect(directions.waypoints).toHaveLength(expected)
      expect(directions.steps).toHaveLength(expected + 2)
      if (expected === 0) expect(gazetteer.calls).toEqual([])
    }
  })
})

describe('planDirections: same place', () => {
  const cases: Array<[string, Place, Place]> = [
    ['the same place', TOWNS.portland, TOWNS.portland],
    [
      'two places under a metre apart',
      TOWNS.portland,
      { ...TOWNS.portland, id: 'custom:portland-depot', lat: 45.515205 },
    ],
  ]
  for (const [name, origin, destination] of cases) {
    it(`${name}: distance 0, no bearing, one step, no NaN`, () => {
      const gazetteer = fakeGazetteer(ALL_TOWNS)
      const directions = planDirections(gazetteer, origin, destination)
      const here = { name: 'Portland', lat: destination.lat, lng: destination.lng }
      expect(directions).toEqual({
        distanceKm: 0,
        initialBearing: null,
        heading: null,
        estimatedDuration: { seconds: 0, text: '0 min', method: ROAD_METHOD },
        steps: [
          {
            instruction: 'You are already at Portland, Oregon, United States',
            distanceKm: 0,
            from: here,
            to: here,
          },
        ],
        path: {
          type: 'LineString',
          coordinates: [
            [-122.6784, 45.5152],
            [-122.6784, 45.5152],
          ],
        },
        waypoints: [],
        note: DIRECTIONS_NOTE,
      })
      expectAllFinite(directions)
      expect(gazetteer.calls).toEqual([])
    })
  }

  it('two places a few hundred metres apart get one short leg', () => {
    const next = { ...TOWNS.portland, id: 'custom:next-door', name: 'Next Door', lng: -122.6744 }
    expect(plan(TOWNS.portland, next).steps.map((s) => s.instruction)).toEqual([
      'Head east from Portland toward Next Door (0.3 km)',
      'Arrive at Next Door, Oregon, United States',
    ])
  })
})

describe('planDirections: determinism and validation', () => {
  it('gives deep-equal answers for the same input', () => {
    const pairs: Array<[Place, Place]> = [
      [TOWNS.seattle, TOWNS.spokane],
      [TOWNS.suva, TOWNS.apia],
      [TOWNS.lisbon, TOWNS.newYork],
      [northPoleDepot, auth0Office],
    ]
    for (const [origin, destination] of pairs) {
      const first = plan(origin, destination)
      const second = plan({ ...origin }, { ...destination }, [...ALL_TOWNS].reverse())
      expect(second).toEqual(first)
      expect(JSON.stringify(second)).toBe(JSON.stringify(first))
    }
  })

  const badOptions: Array<[string, object, string]> = [
    ['negative maxWaypoints', { maxWaypoints: -1 }, 'maxWaypoints must be an integer >= 0, got -1'],
    [
      'fractional maxWaypoints',
      { maxWaypoints: 1.5 },
      'maxWaypoints must be an integer >= 0, got 1.5',
    ],
    [
      'NaN minPopulation',
      { minPopulation: Number.NaN },
      'minPopulation must be a finite number >= 0, got NaN',
    ],
  ]
  for (const [name, options, message] of badOptions) {
    it(`rejects ${name}`, () => {
      expect(() =>
        planDirections(fakeGazetteer([]), TOWNS.seattle, TOWNS.portland, options),
      ).toThrow(new RangeError(message))
    })
  }

  it('rejects a place with impossible coordinates', () => {
    const nowhere = { ...TOWNS.seattle, lat: 91 }
    expect(() => plan(nowhere, TOWNS.portland)).toThrow(
      new RangeError('origin has invalid coordinates: 91, -122.3321'),
    )
    const lost = { ...TOWNS.portland, lng: Number.NaN }
    expect(() => plan(TOWNS.seattle, lost)).toThrow(
      new RangeError('destination has invalid coordinates: 45.5152, NaN'),
    )
  })
})

describe('the corridor search: createSpatialIndex().nearest, which nearby() and directions use', () => {
  // Scattered points, with crowds where a search box needs care: across the
  // antimeridian and around both poles.
  const points = randomPoints(7, [
    [2_000, { south: -90, north: 90, west: -180, east: 180 }],
    [600, { south: -40, north: 40, west: 178, east: 180 }],
    [600, { south: -40, north: 40, west: -180, east: -178 }],
    [300, { south: 87, north: 90, west: -180, east: 180 }],
    [300, { south: -90, north: -87, west: -180, east: 180 }],
  ])
  const lat = Float64Array.from(points, (p) => p.lat)
  const lng = Float64Array.from(points, (p) => p.lng)
  const index = createSpatialIndex(lat, lng)

  /** What `nearest` must answer, by a scan of every point. */
  function reference(at: LatLng, limit: number, maxKm: number, accept?: (id: number) => boolean) {
    return points
      .map((p, id) => ({ id, km: index.distanceKm(at.lat, at.lng, p.lat, p.lng) }))
      .filter(({ id, km }) => km <= maxKm && (!accept || accept(id)))
      .sort((a, b) => a.km - b.km || a.id - b.id)
      .slice(0, limit)
      .map(({ id }) => id)
  }

  const queries: Array<[string, LatLng]> = [
    ['on the antimeridian', { lat: 0.3, lng: 180 }],
    ['just east of it', { lat: -10, lng: -179.6 }],
    ['just west of it', { lat: 12, lng: 179.7 }],
    ['at the North Pole', { lat: 90, lng: 0 }],
    ['near the South Pole', { lat: -88.9, lng: 45 }],
    ...randomPoints(11, [[40, { south: -90, north: 90, west: -180, east: 180 }]]).map(
      (p, i): [string, LatLng] => [`random point ${i}`, p],
    ),
  ]
  const everyThird = (id: number) => id % 3 === 0
  for (const [name, at] of queries) {
    it(`answers as a scan of every point: ${name}`, () => {
      for (const maxKm of [30, 80, 150, 400]) {
        for (const limit of [1, 5, 50]) {
          for (const accept of [undefined, everyThird]) {
            const found = index.nearest(at.lat, at.lng, limit, maxKm, accept)
            expect(found).toEqual(reference(at, limit, maxKm, accept))
          }
        }
      }
    })
  }

  // Populations from 0 to 1,000,000, log-uniform, so that every tier tree holds some points.
  const weights = Float64Array.from(points, (_, id) =>
    Math.floor(10 ** (((id * 7919) % 600) / 100)),
  )
  const weighted = createSpatialIndex(lat, lng, weights)
  for (const [name, at] of queries.slice(0, 8)) {
    it(`answers by population as a scan of every point: ${name}`, () => {
      for (const minWeight of [0, 500, 1_000, 10_000, 50_000, 100_000, 400_000]) {
        const heavy = (id: number) => (weights[id] as number) >= minWeight
        for (const maxKm of [80, 150, 2_000]) {
          for (const accept of [undefined, everyThird]) {
            const found = weighted.nearest(at.lat, at.lng, 5, maxKm, accept, minWeight)
            const both = (id: number) => heavy(id) && (!accept || accept(id))
            expect(found).toEqual(reference(at, 5, maxKm, both))
          }
        }
      }
    })
  }

  it('answers places at the same distance by id, whatever order they were added in', () => {
    const same = createSpatialIndex(
      new Float64Array([10, 10, 10, 10]),
      new Float64Array([20, 5, 20, 20]),
    )
    expect(same.nearest(10, 20, 2, 50)).toEqual([0, 2])
    expect(same.nearest(10, 20, 5, 50)).toEqual([0, 2, 3])
  })

  it('answers nothing for an empty index, a limit under 1 or a negative radius', () => {
    expect(createSpatialIndex(new Float64Array(), new Float64Array()).nearest(0, 0, 5, 50)).toEqual(
      [],
    )
    expect(index.nearest(90, 0, 0, 50)).toEqual([])
    expect(index.nearest(90, 0, 5, -1)).toEqual([])
  })
})

describe('estimateTravelTime', () => {
  const cases: Array<[number, number, string, string]> = [
    [0, 0, '0 min', ROAD_METHOD],
    [0.5, 29, 'under 1 min', ROAD_METHOD],
    [100, 5_850, '1 h 38 min', ROAD_METHOD],
    [233.9, 13_683, '3 h 48 min', ROAD_METHOD],
    [999.9, 58_494, '16 h 15 min', ROAD_METHOD],
    [1_000, 8_100, '2 h 15 min', FLIGHT_METHOD],
    [5_570, 28_665, '7 h 58 min', FLIGHT_METHOD],
    [8_000, 39_600, '11 h', FLIGHT_METHOD],
  ]
  for (const [km, seconds, text, method] of cases) {
    it(`${km} km → ${text} (${method === ROAD_METHOD ? 'road' : 'flight'})`, () => {
      expect(estimateTravelTime(km)).toEqual({ seconds, text, method })
    })
  }

  it('rejects a distance that is not a finite number >= 0', () => {
    expect(() => estimateTravelTime(-1)).toThrow(RangeError)
    expect(() => estimateTravelTime(Number.NaN)).toThrow(
      'distanceKm must be a finite number >= 0, got NaN',
    )
  })
})

describe('formatting', () => {
  const distances: Array<[number, string]> = [
    [0, '0 km'],
    [0.04, 'under 0.1 km'],
    [0.3, '0.3 km'],
    [2.44, '2.4 km'],
    [9.94, '9.9 km'],
    [9.96, '10 km'],
    [369.6, '370 km'],
    [999.5, '1,000 km'],
    [5_421.96, '5,422 km'],
    [20_015.1, '20,015 km'],
    [1_234_567, '1,234,567 km'],
  ]
  for (const [km, text] of distances) {
    it(`formatDistanceKm(${km}) = ${text}`, () => {
      expect(formatDistanceKm(km)).toBe(text)
    })
  }

  const durations: Array<[number, string]> = [
    [0, '0 min'],
    [29, 'under 1 min'],
    [30, '1 min'],
    [2_700, '45 min'],
    [3_600, '1 h'],
    [3_629, '1 h'],
    [8_100, '2 h 15 min'],
    [93_600, '26 h'],
  ]
  for (const [seconds, text] of durations) {
    it(`formatDuration(${seconds}) = ${text}`, () => {
      expect(formatDuration(seconds)).toBe(text)
    })
  }

  const labels: Array<[string, Place, string]> = [
    ['city, region, country', TOWNS.portland, 'Portland, Oregon, United States'],
    ['region equal to the name', TOWNS.newYork, 'New York, United States'],
    [
      'city-state',
      city('Singapore', 1.2897, 103.8501, 3_547_809, 'Singapore', 'Singapore', 'SG'),
      'Singapore',
    ],
    [
      'no region',
      city('Vaduz', 47.141, 9.521, 5_197, undefined, 'Liechtenstein', 'LI'),
      'Vaduz, Liechtenstein',
    ],
    [
      'the operator’s own place, with its address',
      auth0Office,
      'Auth0 Office, 10900 NE 8th Street, Bellevue',
    ],
    ['the operator’s own place, no address, no country', northPoleDepot, 'North Pole Depot'],
  ]
  for (const [name, place, label] of labels) {
    it(`placeLabel: ${name}`, () => {
      expect(placeLabel(place)).toBe(label)
    })
  }
})

function toLatLng([lng, lat]: [number, number]): LatLng {
  return { lat, lng }
}

/** A regular grid of towns with varied, deterministic populations. */
function townGrid(box: { south: number; north: number; west: number; east: number; step: number }) {
  const towns: Place[] = []
  let seed = 42
  for (let lat = box.south; lat <= box.north; lat += box.step) {
    for (let lng = box.west; lng <= box.east; lng += box.step) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      const population = 500 + (seed % 300_000)
      towns.push(city(`G${towns.length}`, lat, lng, population, undefined, 'Gridland', 'GL'))
    }
  }
  return towns
}

type LatLngBox = { south: number; north: number; west: number; east: number }

/** Deterministic points spread evenly over the sphere's area within each box. */
function randomPoints(seed: number, boxes: Array<[number, LatLngBox]>): LatLng[] {
  let state = seed
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
  const RAD = Math.PI / 180
  return boxes.flatMap(([count, box]) =>
    Array.from({ length: count }, () => {
      const [s, n] = [Math.sin(box.south * RAD), Math.sin(box.north * RAD)]
      return {
        lat: Math.asin(s + (n - s) * next()) / RAD,
        lng: box.west + (box.east - box.west) * next(),
      }
    }),
  )
}

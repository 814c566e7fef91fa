import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlacesFileInvalidError } from '../src/errors.js'
import { CURATED_ADMIN1 } from '../src/geo/admin1-curated.js'
import { loadCustomPlaces, validateCustomPlaces } from '../src/geo/custom-places.js'
import { type LoadedGazetteer, loadGazetteer } from '../src/geo/gazetteer.js'
import { normalizeName } from '../src/geo/normalize.js'
import { parseQuery } from '../src/geo/query-parser.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const DEV_PLACES = fileURLToPath(new URL('../config/places.yaml', import.meta.url))

/** Great-circle distance, computed here rather than trusted from the module under test. */
function km(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = Math.PI / 180
  const a =
    Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lng2 - lng1) * rad) / 2) ** 2
  return 2 * 6371 * Math.asin(Math.sqrt(a))
}

let gazetteer: LoadedGazetteer

beforeAll(async () => {
  gazetteer = await loadGazetteer({ placesFile: fixture('places.yaml') })
}, 60_000)

function top(query: string) {
  const match = gazetteer.geocode(query, 5)[0]
  if (!match) throw new Error(`no match for ${JSON.stringify(query)}`)
  return match
}

describe('loading', () => {
  it('indexes every GeoNames cities500 place plus the PLACES_FILE places', () => {
    expect(gazetteer.stats.cities).toBe(199_568)
    expect(gazetteer.stats.customPlaces).toBe(3)
    expect(gazetteer.size).toBe(199_571)
    expect(gazetteer.stats.indexedNames).toBeGreaterThan(600_000)
  })
})

// Coordinates of the real place's centre (the historic centre where a city's centroid lies far from
// it: Bogotá, Kinshasa, Dhaka); the GeoNames point must be within TOLERANCE_KM.
const TOLERANCE_KM = 10
const WORLD: Array<{
  query: string
  country: string
  region?: string
  lat: number
  lng: number
}> = [
  // North America
  { query: 'New York', country: 'US', region: 'New York', lat: 40.7128, lng: -74.006 },
  { query: 'Los Angeles', country: 'US', region: 'California', lat: 34.0522, lng: -118.2437 },
  { query: 'Chicago', country: 'US', region: 'Illinois', lat: 41.8781, lng: -87.6298 },
  { query: 'Seattle, WA', country: 'US', region: 'Washington', lat: 47.6062, lng: -122.3321 },
  { query: 'Anchorage', country: 'US', region: 'Alaska', lat: 61.2181, lng: -149.9003 },
  { query: 'Honolulu', country: 'US', region: 'Hawaii', lat: 21.3069, lng: -157.8583 },
  { query: 'Toronto', country: 'CA', region: 'Ontario', lat: 43.6532, lng: -79.3832 },
  { query: 'Montréal', country: 'CA', region: 'Quebec', lat: 45.5017, lng: -73.5673 },
  {
    query: 'Vancouver, BC',
    country: 'CA',
    region: 'British Columbia',
    lat: 49.2827,
    lng: -123.1207,
  },
  { query: 'Mexico City', country: 'MX', region: 'Ciudad de México', lat: 19.4326, lng: -99.1332 },
  { query: 'Guadalajara', country: 'MX', region: 'Jalisco', lat: 20.6597, lng: -103.3496 },
  { query: 'Havana', country: 'CU', lat: 23.1136, lng: -82.3666 },
  { query: 'Guatemala City', country: 'GT', lat: 14.6349, lng: -90.5069 },
  // South America
  { query: 'São Paulo', country: 'BR', region: 'São Paulo', lat: -23.5505, lng: -46.6333 },
  {
    query: 'Rio de Janeiro',
    country: 'BR',
    region: 'Rio de Janeiro',
    lat: -22.9068,
    lng: -43.1729,
  },
  { query: 'Buenos Aires', country: 'AR', lat: -34.6037, lng: -58.3816 },
  { query: 'Bogotá', country: 'CO', lat: 4.5981, lng: -74.076 },
  { query: 'Lima', country: 'PE', lat: -12.0464, lng: -77.0428 },
  { query: 'Santiago, Chile', country: 'CL', lat: -33.4489, lng: -70.6693 },
  { query: 'Quito', country: 'EC', lat: -0.1807, lng: -78.4678 },
  // Europe
  { query: 'London', country: 'GB', region: 'England', lat: 51.5074, lng: -0.1278 },
  { query: 'Edinburgh', country: 'GB', region: 'Scotland', lat: 55.9533, lng: -3.1883 },
  { query: 'Paris', country: 'FR', region: 'Île-de-France', lat: 48.8566, lng: 2.3522 },
  { query: 'Berlin', country: 'DE', region: 'Berlin', lat: 52.52, lng: 13.405 },
  { query: 'München', country: 'DE', region: 'Bayern', lat: 48.1351, lng: 11.582 },
  { query: 'Cologne', country: 'DE', region: 'Nordrhein-Westfalen', lat: 50.9375, lng: 6.9603 },
  { query: 'Madrid', country: 'ES', region: 'Comunidad de Madrid', lat: 40.4168, lng: -3.7038 },
  { query: 'Barcelona', country: 'ES', region: 'Cataluña', lat: 41.3874, lng: 2.1686 },
  { query: 'Rome', country: 'IT', region: 'Lazio', lat: 41.9028, lng: 12.4964 },
  { query: 'Milano', country: 'IT', region: 'Lombardia', lat: 45.4642, lng: 9.19 },
  { query: 'Amsterdam', country: 'NL', region: 'Noord-Holland', lat: 52.3676, lng: 4.9041 },
  { query: 'Vienna', country: 'AT', region: 'Wien', lat: 48.2082, lng: 16.3738 },
  { query: 'Zürich', country: 'CH', region: 'Zürich', lat: 47.3769, lng: 8.5417 },
  { query: 'Warsaw', country: 'PL', region: 'Mazowieckie', lat: 52.2297, lng: 21.0122 },
  { query: 'Praha', country: 'CZ', region: 'Hlavní město Praha', lat: 50.0755, lng: 14.4378 },
  { query: 'Stockholm', country: 'SE', region: 'Stockholm', lat: 59.3293, lng: 18.0686 },
  { query: 'Moscow', country: 'RU', region: 'Moscow', lat: 55.7558, lng: 37.6173 },
  { query: 'Kyiv', country: 'UA', region: 'Kyiv', lat: 50.4501, lng: 30.5234 },
  { query: 'Istanbul', country: 'TR', region: 'Istanbul', lat: 41.0082, lng: 28.9784 },
  { query: 'Athens', country: 'GR', lat: 37.9838, lng: 23.7275 },
  { query: 'Lisbon', country: 'PT', region: 'Lisboa', lat: 38.7223, lng: -9.1393 },
  { query: 'Reykjavik', country: 'IS', lat: 64.1466, lng: -21.9426 },
  // Africa
  { query: 'Cairo', country: 'EG', region: 'Cairo', lat: 30.0444, lng: 31.2357 },
  { query: 'Lagos', country: 'NG', lat: 6.5244, lng: 3.3792 },
  { query: 'Nairobi', country: 'KE', region: 'Nairobi City', lat: -1.2921, lng: 36.8219 },
  { query: 'Johannesburg', country: 'ZA', lat: -26.2041, lng: 28.0473 },
  { query: 'Cape Town', country: 'ZA', lat: -33.9249, lng: 18.4241 },
  { query: 'Casablanca', country: 'MA', lat: 33.5731, lng: -7.5898 },
  { query: 'Addis Ababa', country: 'ET', lat: 9.03, lng: 38.74 },
  { query: 'Kinshasa', country: 'CD', lat: -4.3217, lng: 15.3125 },
  { query: 'Dakar', country: 'SN', lat: 14.7167, lng: -17.4677 },
  // Asia
  { query: 'Tokyo', country: 'JP', region: 'Tokyo', lat: 35.6762, lng: 139.6503 },
  { query: 'Osaka', country: 'JP', region: 'Osaka', lat: 34.6937, lng: 135.5023 },
  { query: 'Beijing', country: 'CN', region: 'Beijing', lat: 39.9042, lng: 116.4074 },
  { query: 'Shanghai', country: 'CN', region: 'Shanghai', lat: 31.2304, lng: 121.4737 },
  { query: 'Mumbai', country: 'IN', region: 'Maharashtra', lat: 19.076, lng: 72.8777 },
  { query: 'New Delhi', country: 'IN', region: 'Delhi', lat: 28.6139, lng: 77.209 },
  { query: 'Bangalore', country: 'IN', region: 'Karnataka', lat: 12.9716, lng: 77.5946 },
  { query: 'Seoul', country: 'KR', lat: 37.5665, lng: 126.978 },
  { query: 'Bangkok', country: 'TH', lat: 13.7563, lng: 100.5018 },
  { query: 'Jakarta', country: 'ID', lat: -6.2088, lng: 106.8456 },
  { query: 'Manila', country: 'PH', lat: 14.5995, lng: 120.9842 },
  { query: 'Hanoi', country: 'VN', lat: 21.0278, lng: 105.8342 },
  { query: 'Singapore', country: 'SG', lat: 1.2897, lng: 103.8501 },
  { query: 'Abu Dhabi', country: 'AE', lat: 24.4539, lng: 54.3773 },
  { query: 'Tehran', country: 'IR', lat: 35.6892, lng: 51.389 },
  { query: 'Karachi', country: 'PK', lat: 24.8607, lng: 67.0011 },
  { query: 'Dhaka', country: 'BD', lat: 23.729, lng: 90.412 },
  { query: 'Tel Aviv', country: 'IL', lat: 32.0853, lng: 34.7818 },
  { query: 'Ulaanbaatar', country: 'MN', lat: 47.8864, lng: 106.9057 },
  // Oceania
  { query: 'Sydney', country: 'AU', region: 'New South Wales', lat: -33.8688, lng: 151.2093 },
  { query: 'Melbourne', country: 'AU', region: 'Victoria', lat: -37.8136, lng: 144.9631 },
  {
    query: 'Perth, Australia',
    country: 'AU',
    region: 'Western Australia',
    lat: -31.9505,
    lng: 115.8605,
  },
  { query: 'Auckland', country: 'NZ', lat: -36.8485, lng: 174.7633 },
  { query: 'Wellington', country: 'NZ', lat: -41.2866, lng: 174.7756 },
  { query: 'Suva', country: 'FJ', lat: -18.1248, lng: 178.4501 },
]

describe('geocode: real places on every continent', () => {
  for (const { query, country, region, lat, lng } of WORLD) {
    it(`${query} → ${region ? `${region}, ` : ''}${country}`, () => {
      const { place, confidence } = top(query)
      expect(place.countryCode).toBe(country)
      if (region) expect(place.region).toBe(region)
      expect(km(place.lat, place.lng, lat, lng)).toBeLessThan(TOLERANCE_KM)
      expect(confidence).toBeGreaterThanOrEqual(0.95)
      expect(place.kind).toBe('city')
      expect(place.id).toMatch(/^geonames:\d+$/)
    })
  }
})

describe('geocode: ambiguity resolved by qualifiers, then population', () => {
  const cases: Array<[query: string, country: string, regionCode: string]> = [
    ['Paris', 'FR', 'IDF'],
    ['Paris, TX', 'US', 'TX'],
    ['Paris, Texas', 'US', 'TX'],
    ['Portland', 'US', 'OR'],
    ['Portland, ME', 'US', 'ME'],
    ['Portland, Maine', 'US', 'ME'],
    ['Springfield, IL', 'US', 'IL'],
    ['Springfield, MO, USA', 'US', 'MO'],
    ['London, Ontario', 'CA', 'ON'],
    ['London, ON', 'CA', 'ON'],
    ['Córdoba', 'AR', 'X'],
    ['Cordoba, Spain', 'ES', 'AN'],
    ['Moscow, Idaho', 'US', 'ID'],
    ['Perth, Scotland', 'GB', 'SCT'],
  ]
  for (const [query, country, regionCode] of cases) {
    it(`${query} → ${regionCode}, ${country}`, () => {
      const { place, confidence } = top(query)
      expect(place.countryCode).toBe(country)
      expect(place.regionCode).toBe(regionCode)
      expect(confidence).toBe(1)
    })
  }

  it('ranks the other candidates after the best, with lower confidence when qualifiers miss', () => {
    const matches = gazetteer.geocode('Paris, TX', 3)
    // Paris, Ontario (own name) before Parys, South Africa (alternate name "Paris", a few times
    // as populous): an own name yields only to an alternate name of a 100-fold larger place.
    expect(matches.map((m) => m.place.countryCode)).toEqual(['US', 'FR', 'CA'])
    expect(matches[1]?.confidence).toBeLessThan(0.5)
  })

  it('orders equals by population, then GeoNames id, the same way every time', () => {
    const first = gazetteer.geocode('Springfield', 10).map((m) => m.place.id)
    const again = gazetteer.geocode('Springfield', 10).map((m) => m.place.id)
    expect(again).toEqual(first)
    const cities = gazetteer.geocode('Springfield', 10).filter((m) => m.place.kind === 'city')
    const populations = cities.map((m) => m.place.population)
    expect(populations).toEqual([...populations].sort((a, b) => b - a))
  })
})

describe('geocode: case, accents and alternate names', () => {
  const same: Array<[queries: string[], name: string, country: string]> = [
    [['Sao Paulo', 'São Paulo', 'SÃO PAULO', 'sao-paulo'], 'São Paulo', 'BR'],
    [['MÜNCHEN', 'München', 'Muenchen', 'Munich', 'munich'], 'Munich', 'DE'],
    [['Ulaanbaatar', 'Ulan Bator', 'Улаанбаатар'], 'Ulan Bator', 'MN'],
    [['Zurich', 'Zürich', 'ZURICH'], 'Zürich', 'CH'],
    [['Москва', 'Moskva', 'Moscow'], 'Moscow', 'RU'],
    [['東京', 'Tokyo', 'TOKYO'], 'Tokyo', 'JP'],
    [['Cracow', 'Krakow', 'Kraków'], 'Kraków', 'PL'],
    [['Bombay', 'Mumbai'], 'Mumbai', 'IN'],
    [['Köln', 'Koeln', 'Cologne'], 'Köln', 'DE'],
  ]
  for (const [queries, name, country] of same) {
    for (const query of queries) {
      it(`${query} → ${name}`, () => {
        const { place, matchedName } = top(query)
        expect(place.name).toBe(name)
        expect(place.countryCode).toBe(country)
        expect(normalizeName(matchedName)).toBe(
          place.name === matchedName ? normalizeName(place.name) : normalizeName(query),
        )
      })
    }
  }

  it('gives an alternate-name match slightly less confidence than the own name', () => {
    expect(top('Munich').confidence).toBe(1)
    expect(top('München').confidence).toBe(0.95)
    expect(top('München').matchedName).toBe('München')
  })

  it('spells out St., Ft. and Mt.', () => {
    expect(top('St. Louis').place.regionCode).toBe('MO')
    expect(top('Ft Lauderdale').place.name).toBe('Fort Lauderdale')
    expect(top('Mt Vernon, NY').place.name).toBe('Mount Vernon')
  })

  // Issue 17: the qualifier must still decide once the abbreviation is spelled out.
  it('lets qualifiers decide between the name as written and its spelled-out forms', () => {
    for (const [query, name, regionCode] of [
      ['Mt Vernon, NY', 'Mount Vernon', 'NY'],
      ['Mt. Vernon, OH', 'Mount Vernon', 'OH'],
      ['St Andrews, SC', 'Saint Andrews', 'SC'],
      ['St James, NC', 'Saint James', 'NC'],
      ['Ft. Collins, CO', 'Fort Collins', 'CO'],
    ] as const) {
      expect(top(query).place, query).toMatchObject({ name, regionCode, countryCode: 'US' })
    }
  })
})

describe('geocode: qualifiers', () => {
  const bellevue = ['Bellevue, WA', 'Bellevue, Washington', 'Bellevue, WA, US', 'Bellevue, US']
  for (const query of [...bellevue, 'Bellevue, Washington, United States', 'Bellevue WA US']) {
    it(`${query} → Bellevue in Washington, USA`, () => {
      const { place, confidence } = top(query)
      expect(place).toMatchObject({
        name: 'Bellevue',
        region: 'Washington',
        regionCode: 'WA',
        country: 'United States',
        countryCode: 'US',
      })
      expect(km(place.lat, place.lng, 47.6101, -122.2015)).toBeLessThan(3)
      expect(confidence).toBe(1)
    })
  }

  const forms: Array<[kind: string, query: string, country: string, region: string]> = [
    ['name + region code', 'Kingston, ON', 'CA', 'Ontario'],
    ['name + region name', 'Kingston, Ontario', 'CA', 'Ontario'],
    ['name + country name', 'Kingston, Jamaica', 'JM', ''],
    ['name + country code', 'Kingston, JM', 'JM', ''],
    ['name + alpha-3 country code', 'Kingston, JAM', 'JM', ''],
    ['name + region + country', 'Kingston, NY, USA', 'US', 'New York'],
    ['name + English alias of a region', 'Munich, Bavaria', 'DE', 'Bayern'],
    ['name + local country name', 'Frankfurt, Deutschland', 'DE', 'Hessen'],
    ['name + country, no comma', 'Paris France', 'FR', 'Île-de-France'],
    ['name + region name, no comma', 'Portland Maine', 'US', 'Maine'],
  ]
  for (const [kind, query, country, region] of forms) {
    it(`${kind}: ${query}`, () => {
      const { place } = top(query)
      expect(place.countryCode).toBe(country)
      if (region) expect(place.region).toBe(region)
    })
  }

  it('keeps matching when a qualifier names nothing known, with less confidence', () => {
    const { place, confidence } = top('Bellevue, King County, WA')
    expect(place.regionCode).toBe('WA')
    expect(confidence).toBe(0.9)
  })
})

describe('geocode: coordinates', () => {
  it('answers "lat,lng" with the place at that point first', () => {
    const matches = gazetteer.geocode('47.6,-122.2', 3)
    expect(matches[0]?.place.name).toBe('Bellevue')
    expect(matches[0]?.confidence).toBeGreaterThan(0.95)
    expect(matches).toHaveLength(3)
  })

  it('accepts spaces and signs: "48.8584, 2.2945" and "-33.8568 151.2153"', () => {
    expect(top('48.8584, 2.2945').place.name).toBe('Paris')
    expect(top('-33.8568 151.2153').place.name).toBe('Sydney')
  })

  it('gives far points low confidence', () => {
    expect(top('0,-30').confidence).toBeLessThan(0.05)
  })

  it('answers out-of-range coordinates with no match', () => {
    expect(gazetteer.geocode('91,0', 5)).toEqual([])
    expect(gazetteer.geocode('0,181', 5)).toEqual([])
  })
})

describe('geocode: no match and junk input', () => {
  const junk: Array<[label: string, query: string]> = [
    ['unknown name', 'Atlantisopolis'],
    ['empty', ''],
    ['spaces', '   '],
    ['punctuation only', '!!! ,,, ??? ... ---'],
    ['2,000 characters', 'a'.repeat(2000)],
    ['2,000 characters of commas', ','.repeat(2000)],
    ['many qualifiers', 'Paris, a, b, c, d, e, f'],
    ['control characters', '\u0000\u0001\n\t'],
    ['lone surrogate', '\ud800'],
  ]
  for (const [label, query] of junk) {
    it(`${label} → []`, () => {
      expect(gazetteer.geocode(query, 5)).toEqual([])
    })
  }

  it('returns [] for a limit of 0 or NaN and caps large limits', () => {
    expect(gazetteer.geocode('Paris', 0)).toEqual([])
    expect(gazetteer.geocode('Paris', Number.NaN)).toEqual([])
    expect(gazetteer.geocode('San Jose', 10_000).length).toBeLessThanOrEqual(100)
  })

  it('does not throw on non-string input', () => {
    expect(gazetteer.geocode(undefined as unknown as string, 5)).toEqual([])
  })
})

describe('custom places (PLACES_FILE)', () => {
  it('finds "Auth0 Office" by name and by alias, with its address', () => {
    for (const query of ['Auth0 Office', 'auth0 office', 'Auth0', 'AUTH0 HQ']) {
      const { place, confidence } = top(query)
      expect(place).toMatchObject({
        id: 'custom:auth0-office',
        name: 'Auth0 Office',
        kind: 'custom',
        lat: 47.6178819,
        lng: -122.194041,
        address: '10900 NE 8th Street, Bellevue, WA 98004, USA',
        region: 'Washington',
        countryCode: 'US',
      })
      expect(confidence).toBe(1)
    }
    expect(top('Auth0 HQ').matchedName).toBe('Auth0 HQ')
  })

  it('finds the depot, in Finland', () => {
    expect(top('Depot').place).toMatchObject({ name: 'North Pole Depot', countryCode: 'FI' })
  })

  it('wins over GeoNames places on an exact match', () => {
    const matches = gazetteer.geocode('Springfield', 3)
    expect(matches[0]?.place.name).toBe('Springfield Warehouse')
    expect(matches[1]?.place.kind).toBe('city')
  })

  it('does not win when the qualifiers point elsewhere', () => {
    expect(top('Springfield, IL').place).toMatchObject({ kind: 'city', regionCode: 'IL' })
  })

  it('is not a reverse-geocoding answer: reverse names towns', () => {
    expect(gazetteer.reverse(47.6178819, -122.194041)?.place.name).toBe('Bellevue')
  })
})

describe('reverse', () => {
  const points: Array<[label: string, lat: number, lng: number, name: string, country: string]> = [
    ['Eiffel Tower', 48.8584, 2.2945, 'Paris', 'FR'],
    ['Statue of Liberty', 40.6892, -74.0445, 'New York City', 'US'],
    ['Sydney Opera House', -33.8568, 151.2153, 'Sydney', 'AU'],
    ['Big Ben', 51.5007, -0.1246, 'London', 'GB'],
    ['Taj Mahal', 27.1751, 78.0421, 'Agra', 'IN'],
    ['Space Needle', 47.6205, -122.3493, 'Seattle', 'US'],
    ['Christ the Redeemer', -22.9519, -43.2105, 'Rio de Janeiro', 'BR'],
  ]
  for (const [label, lat, lng, name, country] of points) {
    it(`${label} → ${name}`, () => {
      const match = gazetteer.reverse(lat, lng)
      expect(match?.place.name).toBe(name)
      expect(match?.place.countryCode).toBe(country)
      expect(match?.distanceKm).toBeLessThan(10)
      expect(match?.distanceKm).toBeCloseTo(
        km(lat, lng, match?.place.lat ?? 0, match?.place.lng ?? 0),
        1,
      )
    })
  }

  it('answers a point in the ocean with the nearest place, far away', () => {
    const match = gazetteer.reverse(0, -30)
    expect(match?.place.countryCode).toBe('BR')
    expect(match?.distanceKm).toBeGreaterThan(400)
  })

  it('works at the poles and the antimeridian', () => {
    expect(gazetteer.reverse(90, 0)?.place.countryCode).toBe('SJ')
    expect(gazetteer.reverse(-90, 0)?.place.countryCode).toBe('AQ')
    expect(gazetteer.reverse(-18, 179.99)?.place.countryCode).toBe('FJ')
    expect(gazetteer.reverse(-18, -179.99)?.place.countryCode).toBe('FJ')
  })

  it('returns undefined for out-of-range or non-numeric coordinates', () => {
    expect(gazetteer.reverse(91, 0)).toBeUndefined()
    expect(gazetteer.reverse(0, -181)).toBeUndefined()
    expect(gazetteer.reverse(Number.NaN, 0)).toBeUndefined()
  })
})

describe('nearby', () => {
  it('lists places nearest first within the radius', () => {
    const matches = gazetteer.nearby(47.6062, -122.3321, 20, 10)
    expect(matches).toHaveLength(10)
    expect(matches[0]?.place.name).toBe('Seattle')
    const distances = matches.map((m) => m.distanceKm)
    expect(distances).toEqual([...distances].sort((a, b) => a - b))
    expect(Math.max(...distances)).toBeLessThanOrEqual(20)
  })

  it('filters by population', () => {
    const matches = gazetteer.nearby(47.6062, -122.3321, 60, 20, 100_000)
    expect(matches.map((m) => m.place.name)).toEqual(
      expect.arrayContaining(['Seattle', 'Bellevue', 'Tacoma', 'Everett']),
    )
    for (const m of matches) expect(m.place.population).toBeGreaterThanOrEqual(100_000)
    expect(matches.length).toBeLessThan(gazetteer.nearby(47.6062, -122.3321, 60, 20).length)
  })

  it('returns [] for an empty radius, a zero limit or bad coordinates', () => {
    expect(gazetteer.nearby(0, -30, 1, 10)).toEqual([])
    expect(gazetteer.nearby(47.6, -122.3, 50, 0)).toEqual([])
    expect(gazetteer.nearby(100, 0, 50, 5)).toEqual([])
    expect(gazetteer.nearby(47.6, -122.3, Number.NaN, 5)).toEqual([])
  })
})

describe('regions', () => {
  it('names regions for most places, and reports how', () => {
    const report = gazetteer.regionReport()
    expect(report.places).toBe(199_568)
    expect(report.placesWithRegion / report.places).toBeGreaterThan(0.75)
    expect(report.byMethod.curated).toBeGreaterThan(100_000)
    expect(report.byMethod['iso-code']).toBeGreaterThan(20_000)
    expect(report.byMethod['seat-name']).toBeGreaterThan(10_000)
  })

  it('leaves the region undefined rather than guessing', () => {
    const { place } = top('Jakarta')
    expect(place.region).toBeUndefined()
    expect(place.regionCode).toBeUndefined()
  })

  const curated = Object.entries(CURATED_ADMIN1).flatMap(([country, codes]) =>
    Object.entries(codes).map(([admin1, [iso, evidence]]) => ({ country, admin1, iso, evidence })),
  )
  it(`checks all ${curated.length} curated admin1 entries against the seats in the data`, () => {
    const areas = new Map(
      gazetteer.regionReport().areas.map((a) => [`${a.countryCode}.${a.admin1}`, a]),
    )
    const wrong: string[] = []
    for (const { country, admin1, iso, evidence } of curated) {
      const area = areas.get(`${country}.${admin1}`)
      if (area?.region?.code !== iso || area.region.method !== 'curated') {
        wrong.push(`${country}.${admin1}: no region ${iso}`)
      } else if (evidence.startsWith('city:')) {
        const city = gazetteer.geocode(`${evidence.slice(5)}, ${country}`, 1)[0]?.place
        if (city?.regionCode !== iso) wrong.push(`${country}.${admin1}: ${evidence} is not in it`)
      } else if (!area.seats.includes(normalizeName(evidence))) {
        wrong.push(`${country}.${admin1}: seat ${evidence} not among ${area.seats.slice(0, 3)}`)
      }
    }
    expect(wrong).toEqual([])
  })
})

describe('PLACES_FILE validation', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'places-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('accepts the dev file config/places.yaml', async () => {
    const places = await loadCustomPlaces(DEV_PLACES)
    expect(places).toEqual([
      {
        name: 'Auth0 Office',
        aliases: ['Auth0', 'Auth0 HQ'],
        address: '10900 NE 8th Street, Bellevue, WA 98004, USA',
        lat: 47.6178819,
        lng: -122.194041,
      },
      {
        name: 'North Pole Depot',
        aliases: ['Depot'],
        address: 'Tähtikuja 1, 96930 Rovaniemi, Finland',
        lat: 66.5436,
        lng: 25.8473,
      },
    ])
  })

  it('reads JSON as well as YAML', async () => {
    const file = join(dir, 'places.json')
    await writeFile(file, JSON.stringify([{ name: 'Dock', lat: 1, lng: 2 }]))
    expect(await loadCustomPlaces(file)).toEqual([
      { name: 'Dock', aliases: [], lat: 1, lng: 2, address: undefined },
    ])
  })

  const invalid: Array<[label: string, places: unknown[], issue: string]> = [
    [
      'missing lat',
      [{ name: 'Dock', lng: 2 }],
      'places[0] ("Dock"), lat: is required (a number from -90 to 90)',
    ],
    [
      'lat out of range',
      [
        { name: 'A', lat: 1, lng: 2 },
        { name: 'Pole', lat: 95, lng: 2 },
      ],
      'places[1] ("Pole"), lat: must be between -90 and 90 (got 95)',
    ],
    [
      'lng not a number',
      [{ name: 'Dock', lat: 1, lng: '2' }],
      'places[0] ("Dock"), lng: must be a number from -180 to 180 (got "2")',
    ],
    [
      'duplicate name',
      [
        { name: 'Dock', lat: 1, lng: 2 },
        { name: 'DOCK', lat: 3, lng: 4 },
      ],
      'places[1] ("DOCK"), name: "DOCK" duplicates a name or alias of places[0] ("Dock")',
    ],
    [
      'alias duplicating another place',
      [
        { name: 'Dock', lat: 1, lng: 2 },
        { name: 'Yard', aliases: ['dock'], lat: 3, lng: 4 },
      ],
      'places[1] ("Yard"), aliases[0]: "dock" duplicates a name or alias of places[0] ("Dock")',
    ],
    [
      'missing name',
      [{ lat: 1, lng: 2 }],
      'places[0], name: is required and must be a non-empty string',
    ],
    [
      'misspelt field',
      [{ name: 'Dock', lat: 1, lon: 2 }],
      'places[0] ("Dock"), lon: unknown field (did you mean "lng"?)',
    ],
    [
      'aliases not a list',
      [{ name: 'Dock', lat: 1, lng: 2, aliases: 'D' }],
      'places[0] ("Dock"), aliases: must be a list of strings',
    ],
    ['entry not an object', ['Dock'], 'places[0]: must be an object with name, lat and lng'],
  ]
  for (const [label, places, issue] of invalid) {
    it(`rejects ${label}, naming the entry and the field`, () => {
      let error: unknown
      try {
        validateCustomPlaces({ places })
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(PlacesFileInvalidError)
      expect((error as PlacesFileInvalidError).code).toBe('GEO_ERR_PLACES_FILE_INVALID')
      expect((error as PlacesFileInvalidError).issues).toContain(issue)
      expect((error as PlacesFileInvalidError).message).toContain(issue)
    })
  }

  it('reports every problem at once', () => {
    const places = [
      { name: 'A', lat: 100, lng: 200 },
      { lat: 1, lng: 2 },
    ]
    expect(() => validateCustomPlaces(places)).toThrow(/3 problems/)
  })

  it('stops loadGazetteer before the GeoNames data is read', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, 'places:\n  - name: Depot\n    lng: 25.8\n')
    // A data file that cannot be read: reading it would fail with GEO_ERR_DATA_NOT_FOUND.
    const dataFile = join(dir, 'no-such-geonames.txt')
    await expect(loadGazetteer({ placesFile: file, dataFile })).rejects.toMatchObject({
      code: 'GEO_ERR_PLACES_FILE_INVALID',
      message: expect.stringContaining('places[0] ("Depot"), lat: is required'),
    })
    await expect(loadGazetteer({ dataFile })).rejects.toMatchObject({
      code: 'GEO_ERR_DATA_NOT_FOUND',
    })
  })

  it('names the file when it cannot be read or parsed', async () => {
    const missing = join(dir, 'missing.yaml')
    await expect(loadCustomPlaces(missing)).rejects.toMatchObject({
      code: 'GEO_ERR_PLACES_FILE_READ',
      message: expect.stringContaining(`PLACES_FILE ${missing}: cannot read it (ENOENT)`),
    })
    const broken = join(dir, 'broken.yaml')
    await writeFile(broken, 'places: [ { name: Dock\n')
    await expect(loadCustomPlaces(broken)).rejects.toMatchObject({
      code: 'GEO_ERR_PLACES_FILE_PARSE',
      message: expect.stringContaining(`PLACES_FILE ${broken}: not valid`),
    })
  })
})

describe('query parser', () => {
  it('splits a name from its qualifiers', () => {
    expect(parseQuery(' Bellevue ,  WA , U.S. ')).toEqual({
      kind: 'name',
      raw: 'Bellevue',
      name: 'bellevue',
      qualifiers: ['wa', 'u s'],
    })
  })

  it('reads coordinates', () => {
    expect(parseQuery('47.6,-122.2')).toEqual({ kind: 'coordinates', lat: 47.6, lng: -122.2 })
    expect(parseQuery('+47.6 ; -122.2')).toEqual({ kind: 'coordinates', lat: 47.6, lng: -122.2 })
  })
})

import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { devPlacesFile } from '../src/config.js'
import { planDirections } from '../src/geo/directions.js'
import { loadGazetteer } from '../src/geo/gazetteer.js'
import type { Gazetteer } from '../src/geo/types.js'
import { ISSUER, startTenant } from './helpers/tenant.js'

let tenant: Awaited<ReturnType<typeof startTenant>>
let gazetteer: Gazetteer
let app: FastifyInstance
let mapper: string
let limited: string
let logs = ''

function get(url: string, token?: string) {
  return app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} })
}

beforeAll(async () => {
  tenant = await startTenant()
  gazetteer = await loadGazetteer({ placesFile: devPlacesFile })
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        logs += String(chunk)
        done()
      },
    }),
  )
  app = await buildApp({
    issuer: ISSUER,
    audience: 'urn:worldmappers',
    gazetteer,
    depot: 'North Pole Depot',
    verifier: tenant.verifier,
    logger,
  })
  mapper = await tenant.token('GIFT_DELIVERIES')
  limited = await tenant.token('LIMITED_MAPPER')
}, 60_000)

afterAll(async () => {
  await app.close()
  await tenant.close()
})

describe('scopes, with real tokens from the local tenant', () => {
  const routes = [
    ['/api/location/geocode?address=Paris', 'geocode:location'],
    ['/api/location/suggest?q=Par', 'geocode:location'],
    ['/api/location/reverse-geocode?lat=48.8584&lng=2.2945', 'reverse-geocode:location'],
    ['/api/directions?destination=Lyon', 'directions'],
  ] as const
  for (const [url, scope] of routes) {
    it(`${url.split('?')[0]} needs a token and ${scope}`, async () => {
      expect((await get(url)).statusCode).toBe(401)
      expect((await get(url, mapper)).statusCode).toBe(200)
      const limitedAnswer = await get(url, limited)
      if (scope === 'reverse-geocode:location') {
        expect(limitedAnswer.statusCode).toBe(200)
      } else {
        expect(limitedAnswer.statusCode).toBe(403)
        expect(limitedAnswer.headers['www-authenticate']).toBe(
          `Bearer realm="urn:worldmappers", error="insufficient_scope", error_description="The token lacks the required scope: ${scope}", scope="${scope}"`,
        )
      }
    })
  }

  it('refuses a token for another API (audience)', async () => {
    const storefront = await tenant.token('STOREFRONT', 'urn:gift-deliveries')
    const res = await get('/api/me', storefront)
    expect(res.statusCode).toBe(401)
    expect(res.json().error).toBe('invalid_token')
  })

  it('GET /api/me answers the verified payload in seed 000 shape, with any valid token', async () => {
    const res = await get('/api/me', limited)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      message: 'Access granted to protected endpoint!',
      tokenPayload: { iss: ISSUER, aud: 'urn:worldmappers', sub: 'limited-mapper-dev@clients' },
    })
  })
})

describe('geocode', () => {
  it('answers the best match first, with coordinates, region, country, population, confidence', async () => {
    const res = await get('/api/location/geocode?address=Bellevue,%20WA&limit=3', mapper)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({
      query: 'Bellevue, WA',
      name: 'Bellevue',
      region: 'Washington',
      countryCode: 'US',
    })
    expect(body.lat).toBeCloseTo(47.61, 1)
    expect(body.lng).toBeCloseTo(-122.2, 1)
    expect(body.population).toBeGreaterThan(100_000)
    expect(body.confidence).toBeGreaterThan(0.5)
    expect(body.results[0]).toEqual(
      Object.fromEntries(Object.entries(body).filter(([k]) => !['query', 'results'].includes(k))),
    )
    expect(body.results.length).toBeLessThanOrEqual(3)
  })

  it('says how a place matched: exact, or fuzzy with the name it matched', async () => {
    const exact = (await get('/api/location/geocode?address=Dublin', mapper)).json()
    expect(exact).toMatchObject({ name: 'Dublin', match: 'exact', matchedName: 'Dublin' })
    const typo = await get('/api/location/geocode?address=Dbulin', mapper)
    expect(typo.statusCode).toBe(200)
    expect(typo.json()).toMatchObject({
      query: 'Dbulin',
      name: 'Dublin',
      countryCode: 'IE',
      match: 'fuzzy',
      matchedName: 'Dublin',
    })
    expect(typo.json().confidence).toBeLessThan(exact.confidence)
  })

  it("finds the operator's own places (PLACES_FILE)", async () => {
    const res = await get('/api/location/geocode?address=Auth0%20Office', mapper)
    expect(res.json()).toMatchObject({ name: 'Auth0 Office', lat: 47.6178819, lng: -122.194041 })
  })

  it('answers 404 naming the query when nothing matches', async () => {
    const res = await get('/api/location/geocode?address=Xqzzyvlle%20Qrrth', mapper)
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({
      error: 'GEO_ERR_NO_MATCH',
      message: 'No place matches address "Xqzzyvlle Qrrth"',
    })
  })

  it('answers a street address with its locality, its parts and a note on precision', async () => {
    const res = await get(
      `/api/location/geocode?address=${encodeURIComponent('221B Baker Street, London')}`,
      mapper,
    )
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      query: '221B Baker Street, London',
      name: 'London',
      countryCode: 'GB',
      precision: 'locality',
      parsedAddress: { houseNumber: '221b', street: 'Baker Street', places: ['London'] },
      note: expect.stringMatching(/street-level data is not loaded/i),
    })
    const city = (await get('/api/location/geocode?address=London', mapper)).json()
    expect(city.precision).toBe('locality')
    expect(city).not.toHaveProperty('note')
    const own = (await get('/api/location/geocode?address=Auth0%20Office', mapper)).json()
    expect(own.precision).toBe('address')
  })

  it('answers structured search, and 404 when the city is not in the region given', async () => {
    const res = await get('/api/location/geocode?city=Springfield&region=IL&country=US', mapper)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      query: 'Springfield, IL, US',
      name: 'Springfield',
      regionCode: 'IL',
    })
    const region = (await get('/api/location/geocode?region=Bavaria', mapper)).json()
    expect(region).toMatchObject({ name: 'Munich', precision: 'region' })
    const none = await get('/api/location/geocode?city=Munich&country=France', mapper)
    expect(none.statusCode).toBe(404)
    expect(none.json().message).toBe('No place matches city/region/country "Munich, France"')
  })

  it('keeps only the countries in countrycodes and ranks places near `near` first', async () => {
    const au = (
      await get('/api/location/geocode?address=Springfield&countrycodes=au,nz&limit=20', mapper)
    ).json()
    for (const result of au.results) expect(['AU', 'NZ']).toContain(result.countryCode)
    const texas = (
      await get('/api/location/geocode?address=Paris&near=33.66,-95.55', mapper)
    ).json()
    expect(texas).toMatchObject({ name: 'Paris', regionCode: 'TX' })
  })

  it('answers the same bytes for the same question', async () => {
    const a = await get('/api/location/geocode?address=Springfield&limit=10', mapper)
    const b = await get('/api/location/geocode?address=Springfield&limit=10', mapper)
    expect(a.body).toBe(b.body)
  })
})

describe('suggest', () => {
  const suggest = async (query: string) => {
    const res = await get(`/api/location/suggest?${query}`, mapper)
    expect(res.statusCode).toBe(200)
    return res.json() as { query: string; results: Array<Record<string, unknown>> }
  }

  it('completes a prefix with the most populous places, each once', async () => {
    const body = await suggest('q=San%20Fr')
    expect(body.query).toBe('San Fr')
    expect(body.results[0]).toMatchObject({ name: 'San Francisco', countryCode: 'US' })
    const ids = body.results.map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    // Own names by population; an alternate name ranks as 100 times smaller a place.
    const own = body.results.filter((r) => r.matchedName === r.name)
    const populations = own.map((r) => r.population as number)
    expect(populations).toEqual([...populations].sort((a, b) => b - a))
  })

  it('folds case and accents, finds other scripts, honours limit and country', async () => {
    expect((await suggest('q=sao%20pau')).results[0]).toMatchObject({ name: 'São Paulo' })
    expect((await suggest(`q=${encodeURIComponent('Моск')}`)).results[0]).toMatchObject({
      name: 'Moscow',
    })
    const three = await suggest('q=Spring&limit=3&country=au')
    expect(three.results).toHaveLength(3)
    for (const r of three.results) expect(r.countryCode).toBe('AU')
  })

  it('completes the last word when the query ends with a space', async () => {
    const results = (await suggest('q=new%20&limit=20')).results
    expect(results.map((r) => r.name)).toContain('New York City')
    for (const r of results) expect(String(r.matchedName).toLowerCase()).toMatch(/^new /)
  })

  it('answers an empty list, not a 404, when nothing starts so', async () => {
    expect((await suggest('q=Xqzzyvlle')).results).toEqual([])
  })
})

describe('reverse geocode', () => {
  it('answers the nearest place with its distance, address-like', async () => {
    const res = await get('/api/location/reverse-geocode?lat=48.8584&lng=2.2945', mapper)
    const body = res.json()
    expect(body).toMatchObject({ city: expect.any(String), countryCode: 'FR', country: 'France' })
    expect(body.distanceKm).toBeLessThan(5)
  })
})

describe('directions', () => {
  it("plans to a street address's town, saying how precise each end is", async () => {
    const to = encodeURIComponent('10 Downing St, London')
    const res = await get(`/api/directions?origin=47.6,-122.2&destination=${to}`, mapper)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.origin).toMatchObject({ precision: 'point' })
    expect(body.destination).toMatchObject({
      name: 'London',
      precision: 'locality',
      parsedAddress: { houseNumber: '10', street: 'Downing St', places: ['London'] },
    })
    const depot = (await get('/api/directions?destination=Lyon', mapper)).json()
    expect(depot.origin.precision).toBe('address')
    const gotham = await get(
      `/api/directions?destination=${encodeURIComponent('10 Main St, Qxyzzyville, NY')}`,
      mapper,
    )
    expect(gotham.statusCode).toBe(404)
  })

  it('answers every field of the plan (the compiled serializer of its schema leaves none out)', async () => {
    const pairs: Array<[string, string]> = [
      ['Seattle', 'Tokyo'],
      ['North Pole Depot', 'Auth0 Office'],
      ['Sydney', 'Buenos Aires'],
      ['Paris', 'Paris'],
    ]
    for (const [origin, destination] of pairs) {
      const query = new URLSearchParams({ origin, destination })
      const res = await get(`/api/directions?${query}`, mapper)
      expect(res.statusCode).toBe(200)
      const from = gazetteer.geocode(origin, 1)[0]?.place
      const to = gazetteer.geocode(destination, 1)[0]?.place
      if (!from || !to) throw new Error(`${origin} or ${destination} not found`)
      const { origin: originView, destination: destinationView, ...plan } = res.json()
      expect(plan).toEqual(JSON.parse(JSON.stringify(planDirections(gazetteer, from, to))))
      for (const [view, place] of [
        [originView, from],
        [destinationView, to],
      ] as const) {
        const { kind: _kind, ...fields } = place
        expect(view).toEqual({
          ...fields,
          region: place.region ?? null,
          regionCode: place.regionCode ?? null,
          precision: place.kind === 'custom' ? (place.address ? 'address' : 'place') : 'locality',
        })
      }
    }
  })

  it('defaults the origin to the depot (the seed client sends only a destination)', async () => {
    const res = await get('/api/directions?destination=Auth0%20Office', mapper)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.origin.name).toBe('North Pole Depot')
    expect(body.destination.name).toBe('Auth0 Office')
    expect(body.distanceKm).toBeGreaterThan(7_000)
    expect(body.steps.at(-1).instruction).toMatch(/^Arrive at Auth0 Office/)
    expect(body.path.type).toBe('LineString')
    expect(body.note).toMatch(/great-circle/i)
  })

  it('plans Seattle to Portland within 1 % of the great-circle distance', async () => {
    const res = await get('/api/directions?origin=Seattle&destination=Portland,%20OR', mapper)
    expect(res.json().distanceKm).toBeGreaterThan(233.9 * 0.99)
    expect(res.json().distanceKm).toBeLessThan(233.9 * 1.01)
  })

  it('keeps coordinates as given, even in the ocean or at the poles', async () => {
    const ocean = (await get('/api/directions?origin=0,-140&destination=Honolulu', mapper)).json()
    expect(ocean.origin).toMatchObject({ id: 'point:0,-140', lat: 0, lng: -140, country: '' })
    const poles = (await get('/api/directions?origin=90,0&destination=-90,0', mapper)).json()
    expect(poles.distanceKm).toBeGreaterThan(20_015 * 0.999)
    expect(poles.distanceKm).toBeLessThan(20_015 * 1.001)
    const office = (
      await get('/api/directions?origin=Seattle&destination=47.6178819,-122.194041', mapper)
    ).json()
    expect(office.destination).toMatchObject({
      lat: 47.6178819,
      lng: -122.194041,
      region: 'Washington',
      countryCode: 'US',
    })
  })

  it('answers 404 when the qualifiers contradict every match (no delivery to another continent)', async () => {
    const res = await get('/api/directions?destination=Paris,%20Germany', mapper)
    expect(res.statusCode).toBe(404)
    expect(res.json().message).toBe('No place matches destination "Paris, Germany"')
  })

  it('answers 404 naming which end is unknown', async () => {
    const res = await get('/api/directions?origin=Qqqxzv&destination=Paris', mapper)
    expect(res.statusCode).toBe(404)
    expect(res.json().message).toBe('No place matches origin "Qqqxzv"')
  })
})

describe('bad input: 400 naming the parameter, never a 500', () => {
  const cases: Array<[string, RegExp]> = [
    ['/api/location/geocode', /address/],
    ['/api/location/geocode?address=', /address/],
    ['/api/location/geocode?address=%20%20%20', /address/],
    [`/api/location/geocode?address=${'a'.repeat(201)}`, /address/],
    ['/api/location/geocode?address=Paris&limit=0', /limit/],
    ['/api/location/geocode?address=Paris&limit=many', /limit/],
    ['/api/location/geocode?address=Paris&colour=red', /colour|additional/],
    ['/api/location/geocode?address=Paris&city=Paris', /either address or city/],
    ['/api/location/geocode?city=', /city/],
    ['/api/location/geocode?address=Paris&countrycodes=usa', /countrycodes/],
    ['/api/location/geocode?address=Paris&countrycodes=us,xx', /countrycodes.*XX/],
    ['/api/location/geocode?address=Paris&near=somewhere', /near/],
    ['/api/location/geocode?address=Paris&near=91,0', /near/],
    ['/api/location/geocode?city=Springfield&country=Narnia', /country "Narnia" names no known/],
    ['/api/location/geocode?city=Springfield&region=Mordor', /region "Mordor" names no known/],
    ['/api/location/geocode?address=48.85,2.35&countrycodes=us', /countrycodes does not apply/],
    ['/api/location/geocode?address=48.85,2.35&near=40,-70', /near does not apply/],
    ['/api/location/suggest', /q/],
    ['/api/location/suggest?q=%20', /q/],
    ['/api/location/suggest?q=Par&limit=21', /limit/],
    ['/api/location/suggest?q=Par&country=usa', /country/],
    ['/api/location/suggest?q=Par&country=xx', /country/],
    ['/api/location/reverse-geocode?lat=abc&lng=2', /lat/],
    ['/api/location/reverse-geocode?lat=91&lng=2', /lat/],
    ['/api/location/reverse-geocode?lat=45&lng=-180.5', /lng/],
    ['/api/location/reverse-geocode?lat=45', /lng/],
    ['/api/location/reverse-geocode?lat=Infinity&lng=0', /lat/],
    ['/api/directions', /destination/],
    ['/api/directions?destination=', /destination/],
  ]
  for (const [url, parameter] of cases) {
    it(`GET ${url.slice(0, 70)}`, async () => {
      const res = await get(url, mapper)
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toBe('invalid_request')
      expect(res.json().message).toMatch(parameter)
    })
  }
})

describe('public routes', () => {
  it('health and readiness', async () => {
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' })
    expect((await get('/readyz')).json()).toEqual({ status: 'ready' })
  })

  it("OpenAPI with each route's scope and the GeoNames attribution", async () => {
    const doc = (await get('/docs/json')).json()
    expect(doc.info.description).toContain('GeoNames')
    expect(doc.paths['/api/location/geocode'].get.security).toEqual([
      { oauth2: ['geocode:location'] },
    ])
    expect(doc.paths['/api/directions'].get.security).toEqual([{ oauth2: ['directions'] }])
    expect(doc.paths['/api/me'].get.security).toEqual([{ oauth2: [] }])
    expect(doc.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl).toBe(
      `${ISSUER}oauth/token`,
    )
    expect((await get('/docs')).statusCode).toBeLessThan(400)
  })

  it('logs requests with ids and never a token', () => {
    expect(logs).toContain('"reqId"')
    expect(logs).not.toContain(mapper)
    expect(logs).not.toContain(mapper.split('.')[2])
  })
})

describe('while the index loads', () => {
  it('is not ready and geo routes answer 503 with Retry-After', async () => {
    const loading = await buildApp({
      issuer: ISSUER,
      audience: 'urn:worldmappers',
      gazetteer: new Promise<Gazetteer>(() => {}),
      depot: 'North Pole Depot',
      verifier: tenant.verifier,
    })
    expect((await loading.inject('/readyz')).statusCode).toBe(503)
    const res = await loading.inject({
      url: '/api/location/geocode?address=Paris',
      headers: { authorization: `Bearer ${mapper}` },
    })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    await loading.close()
  })
})

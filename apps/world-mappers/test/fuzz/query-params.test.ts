import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { devPlacesFile } from '../../src/config.js'
import { loadGazetteer } from '../../src/geo/gazetteer.js'
import { ISSUER, startTenant } from '../helpers/tenant.js'

// Property-based: whatever the query string, every route answers a 2xx or a
// 4xx whose message names the parameter at fault, never a 5xx, and no promise
// is left rejected.

const RUNS = 150

let tenant: Awaited<ReturnType<typeof startTenant>>
let app: FastifyInstance
let token: string
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  tenant = await startTenant()
  app = await buildApp({
    issuer: ISSUER,
    audience: 'urn:worldmappers',
    gazetteer: await loadGazetteer({ placesFile: devPlacesFile }),
    depot: 'North Pole Depot',
    verifier: tenant.verifier,
  })
  token = await tenant.token('GIFT_DELIVERIES')
}, 60_000)

afterAll(async () => {
  await app?.close()
  await tenant?.close()
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

async function get(path: string, query: Record<string, string | string[]>) {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    for (const one of Array.isArray(value) ? value : [value]) search.append(name, one)
  }
  return app.inject({ url: `${path}?${search}`, headers: { authorization: `Bearer ${token}` } })
}

/** A 2xx, or a 4xx whose message names one of `fields`; never a 5xx. */
function expectHandled(
  res: { statusCode: number; json(): { message?: string } },
  fields: string[],
) {
  expect(res.statusCode).toBeLessThan(500)
  if (res.statusCode >= 400) {
    const message = String(res.json().message)
    expect(
      fields.some((field) => message.includes(field)),
      message,
    ).toBe(true)
  }
}

// Text a caller might send: any Unicode, numbers written oddly, and near-misses.
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '0x10',
    '1e2',
    'Infinity',
    '-Infinity',
    'NaN',
    '+1',
    '.5',
    '00',
    '1,2',
    '-0',
    '90.0000001',
    '-180',
    '1.',
    '٣',
  ),
  fc.double().map(String),
  fc.integer().map(String),
)
const oneOrMany = fc.oneof(text, fc.array(text, { minLength: 2, maxLength: 3 }))
const extraName = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((n) => !['access_token'].includes(n))

describe('GET /api/location/geocode', () => {
  it('answers any address and limit without a 5xx, naming the bad parameter', async () => {
    await fc.assert(
      fc.asyncProperty(
        oneOrMany,
        fc.option(oneOrMany, { nil: undefined }),
        async (address, limit) => {
          const res = await get('/api/location/geocode', {
            address,
            ...(limit === undefined ? {} : { limit }),
          })
          expectHandled(res, ['address', 'limit'])
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('refuses an unknown parameter by name', async () => {
    await fc.assert(
      fc.asyncProperty(
        extraName.filter((n) => n !== 'address' && n !== 'limit'),
        text,
        async (name, value) => {
          const res = await get('/api/location/geocode', { address: 'Paris', [name]: value })
          expect(res.statusCode).toBe(400)
          expect(res.json().message).toBe(`querystring must not have the property "${name}"`)
        },
      ),
      { numRuns: 50 },
    )
  })
})

describe('GET /api/location/reverse-geocode', () => {
  it('answers any lat and lng without a 5xx, naming the bad parameter', async () => {
    await fc.assert(
      fc.asyncProperty(oneOrMany, oneOrMany, async (lat, lng) => {
        expectHandled(await get('/api/location/reverse-geocode', { lat, lng }), ['lat', 'lng'])
      }),
      { numRuns: RUNS },
    )
  })

  it('accepts every plain decimal in range', async () => {
    const decimal = (max: number) =>
      fc
        .double({ min: -max, max, noNaN: true, noDefaultInfinity: true })
        .map((n) => n.toFixed(4))
        .filter((s) => s !== '-0.0000')
    await fc.assert(
      fc.asyncProperty(decimal(90), decimal(180), async (lat, lng) => {
        const res = await get('/api/location/reverse-geocode', { lat, lng })
        expect([200, 404]).toContain(res.statusCode)
      }),
      { numRuns: 60 },
    )
  })

  for (const written of [
    '0x10',
    '1e1',
    ' 10',
    '10 ',
    '+10',
    '.5',
    '5.',
    'Infinity',
    '',
    '0b1',
    '1_0',
  ]) {
    it(`refuses lat=${JSON.stringify(written)}: numbers are plain decimals`, async () => {
      const res = await get('/api/location/reverse-geocode', { lat: written, lng: '2.35' })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({
        error: 'invalid_request',
        message: 'querystring/lat must be a decimal number such as 48.8584',
      })
    })
  }
})

describe('GET /api/directions', () => {
  it('answers any origin and destination without a 5xx, naming the bad parameter', async () => {
    await fc.assert(
      fc.asyncProperty(
        oneOrMany,
        fc.option(oneOrMany, { nil: undefined }),
        async (destination, origin) => {
          const res = await get('/api/directions', {
            destination,
            ...(origin === undefined ? {} : { origin }),
          })
          expectHandled(res, ['origin', 'destination'])
        },
      ),
      { numRuns: RUNS },
    )
  })
})

describe('raw query strings', () => {
  it('never answers a 5xx to any raw query string on any route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/api/location/geocode',
          '/api/location/reverse-geocode',
          '/api/directions',
          '/api/me',
        ),
        fc.string({ unit: 'binary', maxLength: 60 }),
        async (path, raw) => {
          const res = await app.inject({
            url: `${path}?${encodeURI(raw).replace(/#/g, '%23')}`,
            headers: { authorization: `Bearer ${token}` },
          })
          expect(res.statusCode).toBeLessThan(500)
        },
      ),
      { numRuns: RUNS },
    )
  })
})

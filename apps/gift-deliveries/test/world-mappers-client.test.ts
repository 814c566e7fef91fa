import { createServer as createHttpServer, type Server } from 'node:http'
import { createTokenProvider, type TokenProviderOptions } from '@m2m/auth/token'
import { createVerifier, type TokenVerifier } from '@m2m/auth/verify'
import { freePort } from '@m2m/test-kit'
import { buildApp, devPlacesFile, type Gazetteer, loadGazetteer } from '@m2m/world-mappers'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { DeliveryRequest } from '../src/deliveries/model.js'
import {
  DestinationNotFoundError,
  PlanningError,
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamUnavailableError,
} from '../src/errors.js'
import {
  createWorldMappersClient,
  type UpstreamOutcome,
  type WorldMappersClientOptions,
} from '../src/planning/world-mappers-client.js'
import { dev, startTenant } from './helpers/system.js'

const gift = { recipient: { name: 'Ada' }, gift: { description: 'A telescope' } }
const deliveryTo = (
  destination: DeliveryRequest['destination'],
  origin?: DeliveryRequest['origin'],
): DeliveryRequest => ({ ...gift, destination, ...(origin === undefined ? {} : { origin }) })

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return `http://127.0.0.1:${port}`
}

let issuer: string
let authServer: FastifyInstance
let verifier: TokenVerifier
let gazetteer: Gazetteer
let worldMappers: FastifyInstance
let worldMappersUrl: string
const cleanups: Array<() => Promise<unknown>> = []

async function worldMappersApp(places: Gazetteer | Promise<Gazetteer>) {
  return buildApp({
    issuer,
    audience: 'urn:worldmappers',
    gazetteer: places,
    depot: 'North Pole Depot',
    verifier,
  })
}

/** A real token provider for a dev-tenant client; closed after the test. */
function provider(client = 'GIFT_DELIVERIES', options: Partial<TokenProviderOptions> = {}) {
  const tokens = createTokenProvider({
    issuer,
    ...dev(client),
    audience: 'urn:worldmappers',
    ...options,
  })
  cleanups.push(() => tokens.close())
  return tokens
}

/** A client of the real world-mappers with its own provider; closed after the test. */
function client(options: Partial<WorldMappersClientOptions> = {}) {
  const tokens = options.tokens ?? provider()
  const planner = createWorldMappersClient({ baseUrl: worldMappersUrl, tokens, ...options })
  cleanups.push(() => planner.close())
  return { planner, tokens }
}

async function planError(promise: Promise<unknown>): Promise<PlanningError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(PlanningError)
  return error as PlanningError
}

beforeAll(async () => {
  ;({ issuer, app: authServer } = await startTenant())
  verifier = createVerifier({
    issuer,
    audience: 'urn:worldmappers',
    jwks: async () => (await authServer.inject('/.well-known/jwks.json')).json(),
  })
  gazetteer = await loadGazetteer({ placesFile: devPlacesFile })
  worldMappers = await worldMappersApp(gazetteer)
  worldMappersUrl = await listen(worldMappers)
}, 60_000)

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()))
  await authServer.inject({ method: 'DELETE', url: '/__test__/faults' })
})

afterAll(async () => {
  await worldMappers?.close()
  await verifier?.close()
  await authServer?.close()
})

describe('plans with the real world-mappers and a real token', () => {
  it('maps the directions answer to a DeliveryRoute (from the depot by default)', async () => {
    const outcomes: UpstreamOutcome[] = []
    const durations: number[] = []
    const { planner, tokens } = client({
      onUpstream: (ms, outcome) => {
        durations.push(ms)
        outcomes.push(outcome)
      },
    })
    const route = await planner.plan(deliveryTo('Lyon'))

    // The same question asked directly: every field comes from world-mappers' answer.
    const raw = (
      await worldMappers.inject({
        url: '/api/directions?destination=Lyon',
        headers: { authorization: `Bearer ${await tokens.getToken()}` },
      })
    ).json()
    const place = (view: Record<string, unknown>) => ({
      name: view.name,
      lat: view.lat,
      lng: view.lng,
      region: view.region,
      country: view.country,
      countryCode: view.countryCode,
      precision: view.precision,
    })
    expect(route).toEqual({
      origin: place(raw.origin),
      destination: place(raw.destination),
      distanceKm: raw.distanceKm,
      estimatedDuration: raw.estimatedDuration,
      heading: raw.heading,
      steps: raw.steps.map((step: { instruction: string; distanceKm: number }) => ({
        instruction: step.instruction,
        distanceKm: step.distanceKm,
      })),
      path: raw.path,
      note: raw.note,
    })
    expect(route.origin.name).toBe('North Pole Depot')
    expect(route.destination).toMatchObject({ name: 'Lyon', country: 'France', countryCode: 'FR' })
    expect(route.distanceKm).toBeGreaterThan(1_000)
    expect(route.steps.length).toBeGreaterThan(1)
    expect(route.steps.at(-1)?.instruction).toMatch(/^Arrive at Lyon/)
    expect(outcomes).toEqual(['ok'])
    expect(durations[0]).toBeGreaterThan(0)
  })

  it('sends the origin when one is given', async () => {
    const { planner } = client()
    const route = await planner.plan(deliveryTo('Portland, OR', 'Seattle'))
    expect(route.origin).toMatchObject({ name: 'Seattle', region: 'Washington', countryCode: 'US' })
    expect(route.destination).toMatchObject({ name: 'Portland', region: 'Oregon' })
    expect(route.distanceKm).toBeGreaterThan(200)
    expect(route.distanceKm).toBeLessThan(250)
    expect(route.estimatedDuration.method).toMatch(/^Road estimate/)
  })

  it('sends coordinates as "lat,lng", and they stay the exact point (in Paris\'s region)', async () => {
    const { planner } = client()
    const route = await planner.plan(
      deliveryTo({ lat: 48.8584, lng: 2.2945 }, { lat: 45.764043, lng: 4.835659 }),
    )
    expect(route.destination).toMatchObject({ lat: 48.8584, lng: 2.2945, countryCode: 'FR' })
    expect(route.origin).toMatchObject({ lat: 45.764043, lng: 4.835659, countryCode: 'FR' })
  })

  it('an unknown destination is a DestinationNotFoundError naming it', async () => {
    const outcomes: UpstreamOutcome[] = []
    const { planner } = client({ onUpstream: (_ms, outcome) => outcomes.push(outcome) })
    const error = await planError(planner.plan(deliveryTo('Xqzzyville Nowhere')))
    expect(error).toBeInstanceOf(DestinationNotFoundError)
    expect(error).toMatchObject({
      code: 'DELIVERY_ERR_PLACE_NOT_FOUND',
      statusCode: 422,
      parameter: 'destination',
      query: 'Xqzzyville Nowhere',
      message: 'No place matches destination "Xqzzyville Nowhere"',
    })
    expect(outcomes).toEqual(['not_found'])
  })

  it('an unknown origin is a DestinationNotFoundError naming the origin', async () => {
    const { planner } = client()
    const error = await planError(planner.plan(deliveryTo('Lyon', 'Xqzzyville Nowhere')))
    expect(error).toBeInstanceOf(DestinationNotFoundError)
    expect(error).toMatchObject({ parameter: 'origin', query: 'Xqzzyville Nowhere' })
    expect(error.message).toBe('No place matches origin "Xqzzyville Nowhere"')
  })

  it('a 400 for our own request is an internal UpstreamProtocolError, not the caller’s fault', async () => {
    const outcomes: UpstreamOutcome[] = []
    const { planner } = client({ onUpstream: (_ms, outcome) => outcomes.push(outcome) })
    const error = await planError(planner.plan(deliveryTo('x'.repeat(201))))
    expect(error).toBeInstanceOf(UpstreamProtocolError)
    expect(error).toMatchObject({ code: 'DELIVERY_ERR_UPSTREAM_PROTOCOL', statusCode: 500 })
    expect(error.message).toMatch(/^World-mappers refused our request as invalid \(400\): /)
    expect(error.message).toContain('destination')
    expect(outcomes).toEqual(['protocol_error'])
  })

  it('100 concurrent plans on a cold start make exactly one token request', async () => {
    await authServer.inject({ method: 'DELETE', url: '/__test__/exchanges' })
    const tokens = provider()
    const { planner } = client({ tokens })
    const routes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => planner.plan(deliveryTo(i % 2 ? 'Lyon' : 'Seattle'))),
    )
    expect(routes).toHaveLength(100)
    expect(routes.filter((route) => route.origin.name === 'North Pole Depot')).toHaveLength(100)
    expect(tokens.metrics.tokenRequests).toBe(1)
    expect(tokens.metrics.exchanges).toBe(1)
    const exchanges = (await authServer.inject('/__test__/exchanges')).json()
    expect(exchanges[dev('GIFT_DELIVERIES').clientId]).toEqual({
      succeeded: 1,
      failed: 0,
    })
  })
})

describe('world-mappers down, loading or slow: UpstreamUnavailableError', () => {
  it('a closed port', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    const outcomes: UpstreamOutcome[] = []
    const { planner } = client({
      baseUrl: closed,
      onUpstream: (ms, outcome) => {
        expect(ms).toBeGreaterThanOrEqual(0)
        outcomes.push(outcome)
      },
    })
    const error = await planError(planner.plan(deliveryTo('Lyon')))
    expect(error).toBeInstanceOf(UpstreamUnavailableError)
    expect(error).toMatchObject({ code: 'DELIVERY_ERR_UPSTREAM_UNAVAILABLE', statusCode: 503 })
    expect(error.message).toMatch(/^World-mappers could not be reached \(ECONNREFUSED\)/)
    expect(outcomes).toEqual(['unavailable'])
  })

  it('a 503 while its places load, with Retry-After kept', async () => {
    const loading = await worldMappersApp(new Promise<Gazetteer>(() => {}))
    const url = await listen(loading)
    cleanups.push(() => loading.close())
    const { planner } = client({ baseUrl: url })
    const error = await planError(planner.plan(deliveryTo('Lyon')))
    expect(error).toBeInstanceOf(UpstreamUnavailableError)
    expect(error.message).toBe(
      'World-mappers answered 503: GEO_ERR_NOT_READY: The place index is still loading; retry shortly',
    )
    expect((error as UpstreamUnavailableError).retryAfterMs).toBe(1_000)
  })

  it('no answer within timeoutMs', async () => {
    const silent: Server = createHttpServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    cleanups.push(async () => {
      silent.closeAllConnections()
      await new Promise((resolve) => silent.close(resolve))
    })
    const { port } = silent.address() as { port: number }
    const { planner } = client({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 })
    const started = Date.now()
    const error = await planError(planner.plan(deliveryTo('Lyon')))
    expect(error).toBeInstanceOf(UpstreamUnavailableError)
    expect(error.message).toBe('World-mappers did not answer within 300 ms')
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})

describe('token endpoint failures', () => {
  it('the token endpoint answering 503 is an UpstreamUnavailableError; planning recovers after', async () => {
    await authServer.inject({
      method: 'POST',
      url: '/__test__/faults',
      payload: { target: 'token', status: 503, count: 2 },
    })
    const tokens = provider('GIFT_DELIVERIES', {
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      transientCooldownMs: 0,
    })
    const { planner } = client({ tokens })
    const error = await planError(planner.plan(deliveryTo('Lyon')))
    expect(error).toBeInstanceOf(UpstreamUnavailableError)
    expect(error.message).toMatch(
      /^No access token for world-mappers \(AUTH_ERR_TOKEN_ENDPOINT\): /,
    )
    expect(error.message).toContain('503')
    expect(error.cause).toMatchObject({ code: 'AUTH_ERR_TOKEN_ENDPOINT', status: 503 })
    expect(tokens.metrics.tokenRequests).toBe(2)

    // The faults are used up: the next plan gets a token and a route.
    const route = await planner.plan(deliveryTo('Lyon'))
    expect(route.destination.name).toBe('Lyon')
  })

  it('an unreachable token endpoint is an UpstreamUnavailableError', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/oauth/token`
    const tokens = provider('GIFT_DELIVERIES', {
      tokenEndpoint: closed,
      retry: { attempts: 1 },
    })
    const { planner } = client({ tokens })
    const error = await planError(planner.plan(deliveryTo('Lyon')))
    expect(error).toBeInstanceOf(UpstreamUnavailableError)
    expect(error.message).toMatch(/^No access token for world-mappers \(AUTH_ERR_TOKEN_NETWORK\): /)
  })

  it('a wrong client secret (4xx from the token endpoint) is an UpstreamRejectedError without the secret', async () => {
    const wrongSecret = 'not-the-secret-Zk3jQ9'
    const tokens = provider('GIFT_DELIVERIES', { clientSecret: wrongSecret })
    const outcomes: UpstreamOutcome[] = []
    const { planner } = client({ tokens, onUpstream: (_ms, outcome) => outcomes.push(outcome) })
    const error = await planError(planner.plan(deliveryTo('Lyon')))
    expect(error).toBeInstanceOf(UpstreamRejectedError)
    expect(error).toMatchObject({ code: 'DELIVERY_ERR_UPSTREAM_REJECTED', status: 401 })
    expect(error.message).toMatch(
      /^No access token for world-mappers \(AUTH_ERR_TOKEN_ENDPOINT\): /,
    )
    expect(error.message).not.toContain(wrongSecret)
    expect(outcomes).toEqual(['rejected'])
  })

  it('a token without the directions scope (403) is an UpstreamRejectedError', async () => {
    const { planner } = client({ tokens: provider('LIMITED_MAPPER') })
    const error = await planError(planner.plan(deliveryTo('Lyon')))
    expect(error).toBeInstanceOf(UpstreamRejectedError)
    expect(error).toMatchObject({ status: 403 })
    expect(error.message).toMatch(
      /^World-mappers refused our credentials \(403\): insufficient_scope/,
    )
  })
})

describe('options', () => {
  const cases: Array<[string, Partial<WorldMappersClientOptions>, RegExp]> = [
    ['a baseUrl that is not a URL', { baseUrl: 'localhost:7001' }, /baseUrl must be an http/],
    ['a baseUrl with credentials', { baseUrl: 'http://u:p@localhost:7001' }, /no credentials/],
    ['a timeout of 0', { timeoutMs: 0 }, /timeoutMs must be a positive number/],
  ]
  for (const [name, options, message] of cases) {
    it(`refuses ${name}`, () => {
      expect(() =>
        createWorldMappersClient({
          baseUrl: 'http://localhost:7001',
          tokens: { getToken: async () => 't', invalidate() {} },
          ...options,
        }),
      ).toThrow(message)
    })
  }
})

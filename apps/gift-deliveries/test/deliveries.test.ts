import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deliveryPageSchema,
  deliverySchema,
  deliverySummarySchema,
} from '../src/routes/delivery-schemas.js'
import { type Stack, startStack } from './helpers/stack.js'
import { type GiftDeliveries, startGiftDeliveries, startWorldMappers } from './helpers/system.js'

let stack: Stack<GiftDeliveries>

const body = (destination: unknown = 'Auth0 Office', extra: Record<string, unknown> = {}) => ({
  recipient: { name: 'Ada Lovelace', email: 'ada@example.com' },
  gift: { description: 'A mechanical calculator' },
  destination,
  ...extra,
})

function post(payload: unknown, headers: Record<string, string> = {}, token = stack.storefront) {
  return stack.gifts.app.inject({
    method: 'POST',
    url: '/deliveries',
    headers: { authorization: `Bearer ${token}`, ...headers },
    payload: payload as Record<string, unknown>,
  })
}

function get(url: string, token = stack.storefront) {
  return stack.gifts.app.inject({ url, headers: { authorization: `Bearer ${token}` } })
}

beforeAll(async () => {
  stack = await startStack(startGiftDeliveries)
}, 60_000)

afterAll(async () => {
  await stack?.close()
})

describe('create, read, list', () => {
  it('plans a delivery through world-mappers and answers 201 with a Location', async () => {
    const res = await post(body())
    expect(res.statusCode).toBe(201)
    const delivery = res.json()
    expect(res.headers.location).toBe(`/deliveries/${delivery.id}`)
    expect(delivery).toMatchObject({
      status: 'planned',
      clientId: 'storefront-dev',
      request: body(),
      route: {
        origin: { name: 'North Pole Depot' },
        destination: { name: 'Auth0 Office', lat: 47.6178819, lng: -122.194041 },
      },
    })
    expect(delivery.route.distanceKm).toBeGreaterThan(7_000)
    expect(delivery.route.steps.at(-1).instruction).toMatch(/^Arrive at Auth0 Office/)

    const read = await get(`/deliveries/${delivery.id}`)
    expect(read.statusCode).toBe(200)
    expect(read.json()).toEqual(delivery)
  })

  it('takes a street address, planned to its town, and keeps the address as given', async () => {
    const address = '132 High St, London, United Kingdom'
    const res = await post(body(address))
    expect(res.statusCode).toBe(201)
    const delivery = res.json()
    expect(delivery.request.destination).toBe(address)
    expect(delivery.route.destination).toMatchObject({
      name: 'London',
      countryCode: 'GB',
      precision: 'locality',
      address,
    })
    expect(delivery.route.origin.precision).toBe('address')
    expect(delivery.route.origin).not.toHaveProperty('address')
    const page = (await get('/deliveries?limit=100')).json()
    const listed = page.items.find((item: { id: string }) => item.id === delivery.id)
    expect(listed.destination).toMatchObject({ name: 'London', precision: 'locality', address })
    expect((await get(`/deliveries/${delivery.id}`)).json()).toEqual(delivery)
  })

  it('refuses a street address whose town is unknown (its region is too coarse to deliver to)', async () => {
    const res = await post(body('10 Main St, Qxyzzyville, NY'))
    expect(res.statusCode).toBe(422)
    expect(res.json().error).toBe('DELIVERY_ERR_PLACE_NOT_FOUND')
  })

  it('takes an origin and coordinates', async () => {
    const res = await post(body({ lat: 45.5152, lng: -122.6784 }, { origin: 'Seattle' }))
    expect(res.statusCode).toBe(201)
    expect(res.json().route.distanceKm).toBeGreaterThan(230)
    expect(res.json().route.distanceKm).toBeLessThan(240)
  })

  it('lists in a stable order with cursor pagination', async () => {
    for (let i = 0; i < 3; i++) expect((await post(body('Paris'))).statusCode).toBe(201)
    const all: string[] = []
    let cursor: string | null = null
    do {
      const page = await get(`/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      expect(page.statusCode).toBe(200)
      all.push(...page.json().items.map((d: { id: string }) => d.id))
      cursor = page.json().nextCursor
    } while (cursor)
    const once = (await get('/deliveries?limit=100')).json().items.map((d: { id: string }) => d.id)
    expect(all).toEqual(once)
    expect(new Set(all).size).toBe(all.length)
    const planned = (await get('/deliveries?status=planned&limit=100')).json().items
    expect(planned.every((d: { status: string }) => d.status === 'planned')).toBe(true)
  })

  it('lists summaries by default and whole deliveries with include=route, as documented', async () => {
    const created = (await post(body('Lisbon'))).json()
    const ajv = new Ajv({ strict: false })
    for (const format of ['uuid', 'date-time']) ajv.addFormat(format, true)
    const summaries = await get('/deliveries?limit=100')
    expect(summaries.headers['content-type']).toBe('application/json; charset=utf-8')
    const page = summaries.json()
    expect(ajv.validate(deliveryPageSchema, page)).toBe(true)
    const summary = page.items.find((d: { id: string }) => d.id === created.id)
    expect(summary).toEqual({
      id: created.id,
      status: 'planned',
      request: created.request,
      destination: created.route.destination,
      distanceKm: created.route.distanceKm,
      estimatedDuration: created.route.estimatedDuration,
      attempts: created.attempts,
      lastError: null,
      nextAttemptAt: null,
      createdAt: created.createdAt,
      updatedAt: created.updatedAt,
      plannedAt: created.plannedAt,
    })
    expect(ajv.validate(deliverySummarySchema, summary)).toBe(true)
    // A summary is a fraction of the whole delivery.
    expect(JSON.stringify(summary).length * 3).toBeLessThan(JSON.stringify(created).length)

    const whole = (await get('/deliveries?limit=100&include=route')).json()
    const full = whole.items.find((d: { id: string }) => d.id === created.id)
    expect(full).toEqual(created)
    expect(full).toEqual((await get(`/deliveries/${created.id}`)).json())
    expect(ajv.validate(deliverySchema, full)).toBe(true)
    expect((await get('/deliveries?include=steps')).statusCode).toBe(400)

    const doc = (await stack.gifts.app.inject('/docs/json')).json()
    const list = doc.paths['/deliveries'].get
    expect(list.parameters).toContainEqual(
      expect.objectContaining({ name: 'include', in: 'query' }),
    )
    expect(list.description).toMatch(/include=route/)
    expect(list.responses['200']).toBeDefined()
  })

  it('answers 404 for an unknown id and 400 for a malformed one or a bad cursor', async () => {
    expect((await get('/deliveries/7b0c4a0e-0d4a-4a8e-9d55-6a3d9e5f1c11')).statusCode).toBe(404)
    expect((await get('/deliveries/not-a-uuid')).statusCode).toBe(400)
    const bad = await get('/deliveries?cursor=%%%')
    expect(bad.statusCode).toBe(400)
  })
})

describe('idempotency', () => {
  it('returns the same delivery for the same key and body, with no second plan or row', async () => {
    const key = { 'idempotency-key': 'order-1001' }
    const first = await post(body('Berlin'), key)
    const requestsBefore =
      stack.gifts.tokens.metrics.cacheHits + stack.gifts.tokens.metrics.cacheMisses
    const again = await post(body('Berlin'), key)
    expect(first.statusCode).toBe(201)
    expect(again.statusCode).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.json().id).toBe(first.json().id)
    // no second plan: the token provider was not even asked
    expect(stack.gifts.tokens.metrics.cacheHits + stack.gifts.tokens.metrics.cacheMisses).toBe(
      requestsBefore,
    )
  })

  it('refuses the same key with another body (422)', async () => {
    const key = { 'idempotency-key': 'order-1002' }
    expect((await post(body('Madrid'), key)).statusCode).toBe(201)
    const other = await post(body('Lisbon'), key)
    expect(other.statusCode).toBe(422)
    expect(other.json().error).toBe('DELIVERY_ERR_IDEMPOTENCY_CONFLICT')
  })

  it('makes one delivery for 20 concurrent requests with one key', async () => {
    const key = { 'idempotency-key': 'order-1003' }
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(body('Rome'), key)))
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1)
    expect(answers.every((a) => [201, 202].includes(a.statusCode))).toBe(true)
  })
})

describe("the caller's mistakes", () => {
  it('answers 422 naming an unknown destination, and stores nothing', async () => {
    const before = (await get('/deliveries?limit=100')).json().items.length
    const res = await post(body('Qqqxzvplk'))
    expect(res.statusCode).toBe(422)
    expect(res.json()).toEqual({
      error: 'DELIVERY_ERR_PLACE_NOT_FOUND',
      message: 'No place matches destination "Qqqxzvplk"',
    })
    expect((await get('/deliveries?limit=100')).json().items.length).toBe(before)
  })

  it('with an Idempotency-Key, keeps the failure so every replay answers the same 422', async () => {
    const key = { 'idempotency-key': 'order-unknown' }
    const first = await post(body('Qqqxzvplk'), key)
    expect(first.statusCode).toBe(422)
    const replay = await post(body('Qqqxzvplk'), key)
    expect(replay.statusCode).toBe(422)
    expect(replay.headers['idempotent-replayed']).toBe('true')
    expect(replay.json()).toMatchObject({
      error: 'DELIVERY_ERR_PLACE_NOT_FOUND',
      message: 'No place matches destination "Qqqxzvplk"',
      delivery: { status: 'failed' },
    })
  })

  for (const [name, value] of [
    ['a NUL', 'Pa\u0000ris'],
    ['a lone surrogate', 'Paris \ud800'],
  ] as const) {
    it(`answers 400 (not a 500) for ${name} in a string`, async () => {
      const res = await post({ ...body(), recipient: { name: value } })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({
        error: 'invalid_request',
        message: 'body/recipient/name contains a NUL or an unpaired surrogate',
      })
    })
  }

  const bad: Array<[string, unknown, RegExp]> = [
    ['no recipient', { gift: { description: 'x' }, destination: 'Paris' }, /recipient/],
    ['an empty destination', body(''), /destination/],
    ['a latitude out of range', body({ lat: 123, lng: 0 }), /destination|lat/],
    ['an unknown field', { ...body(), priority: 'high' }, /priority|additional/],
    ['a bad email', { ...body(), recipient: { name: 'A', email: 'nope' } }, /email/],
    ['a boolean destination', body(true), /destination/],
    ['a number destination', body(5), /destination/],
    ['a list for a name', { ...body(), recipient: { name: ['Ada'] } }, /name/],
  ]
  for (const [name, payload, message] of bad) {
    it(`answers 400 for ${name}`, async () => {
      const res = await post(payload)
      expect(res.statusCode).toBe(400)
      expect(res.json().error).toBe('invalid_request')
      expect(res.json().message).toMatch(message)
    })
  }
})

/** A new client of the tenant, granted `scope` on this API, and a token for it. */
async function clientToken(name: string, scope: string[]): Promise<string> {
  const client = await stack.tenant.management('POST', 'clients', { name })
  await stack.tenant.management('POST', 'client-grants', {
    client_id: client.client_id,
    audience: 'urn:gift-deliveries',
    scope,
  })
  const { request } = await import('undici')
  const res = await request(`${stack.tenant.issuer}oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
      audience: 'urn:gift-deliveries',
    }),
  })
  return ((await res.body.json()) as { access_token: string }).access_token
}

describe('scopes', () => {
  it('needs a token, for this API, with create:deliveries to create and read:deliveries to read', async () => {
    expect(
      (await stack.gifts.app.inject({ method: 'POST', url: '/deliveries', payload: body() }))
        .statusCode,
    ).toBe(401)
    const mapperToken = await stack.tenant.token('GIFT_DELIVERIES', 'urn:worldmappers')
    expect((await post(body(), {}, mapperToken)).statusCode).toBe(401)

    // Limited Mapper has no grant for this API at all: it cannot even get a token to create with
    await expect(stack.tenant.token('LIMITED_MAPPER', 'urn:gift-deliveries')).rejects.toThrow(
      'no token for LIMITED_MAPPER',
    )

    // a client granted only create:deliveries cannot read
    const writerToken = await clientToken('Delivery Writer', ['create:deliveries'])
    const written = await post(body('Paris'), {}, writerToken)
    expect(written.statusCode).toBe(201)
    const unreadable = await get('/deliveries?limit=1', writerToken)
    expect(unreadable.statusCode).toBe(403)
    expect(unreadable.headers['www-authenticate']).toContain('scope="read:deliveries"')

    // a client granted only read:deliveries cannot create
    const reader = await stack.tenant.management('POST', 'clients', { name: 'Delivery Reader' })
    await stack.tenant.management('POST', 'client-grants', {
      client_id: reader.client_id,
      audience: 'urn:gift-deliveries',
      scope: ['read:deliveries'],
    })
    const { request } = await import('undici')
    const res = await request(`${stack.tenant.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: reader.client_id,
        client_secret: reader.client_secret,
        audience: 'urn:gift-deliveries',
      }),
    })
    const readerToken = ((await res.body.json()) as { access_token: string }).access_token
    const refused = await post(body(), {}, readerToken)
    expect(refused.statusCode).toBe(403)
    expect(refused.headers['www-authenticate']).toContain('scope="create:deliveries"')
    // it reads only its own deliveries: none, and not the writer's
    const own = await get('/deliveries?limit=100', readerToken)
    expect(own.statusCode).toBe(200)
    expect(own.json().items).toEqual([])
    // another client's delivery is as if it did not exist
    expect((await get(`/deliveries/${written.json().id}`, readerToken)).statusCode).toBe(404)
    expect((await get(`/deliveries/${written.json().id}`)).statusCode).toBe(404)
  })
})

describe('operations', () => {
  it('serves health, readiness, metrics and the OpenAPI document publicly', async () => {
    expect((await stack.gifts.app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    // As main.ts composes it, readiness reports whether world-mappers tokens can be
    // had: the deliveries planned above got theirs.
    expect((await stack.gifts.app.inject('/readyz')).json()).toEqual({
      status: 'ready',
      tokens: 'available',
    })
    const metrics = (await stack.gifts.app.inject('/metrics')).body
    // The token counters are @m2m/auth's instruments now: same names, with the audience and outcome.
    expect(metrics).toMatch(
      /^m2m_token_requests_total\{audience="urn:worldmappers",status="200"\} \d+/m,
    )
    expect(metrics).toMatch(
      /^m2m_token_exchanges_total\{audience="urn:worldmappers",outcome="success",[^}]*\} 1$/m,
    )
    expect(metrics).toMatch(/^m2m_token_cache_hits_total \d+/m)
    expect(metrics).toMatch(/^deliveries\{status="planned"\} \d+/m)
    expect(metrics).toMatch(/^world_mappers_request_duration_seconds_count\{outcome="ok"\} \d+/m)
    expect(metrics).toMatch(
      /^http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/deliveries",http_response_status_code="201"\} \d+/m,
    )
    expect(metrics).toMatch(
      /^m2m_http_server_auth_rejections_total\{status="403",reason="insufficient_scope",route="\/deliveries"\} \d+/m,
    )
    const doc = (await stack.gifts.app.inject('/docs/json')).json()
    expect(doc.paths['/deliveries'].post.security).toEqual([{ oauth2: ['create:deliveries'] }])
    expect(doc.paths['/deliveries'].get.security).toEqual([{ oauth2: ['read:deliveries'] }])
  })
})

describe('one token exchange for the whole fleet', () => {
  it('1,000 concurrent POST /deliveries on a cold start make exactly one exchange at the tenant', async () => {
    const cold = await startGiftDeliveries({
      issuer: stack.tenant.issuer,
      worldMappersUrl: stack.mappers.url,
      planTimeoutMs: 60_000,
      plannerTimeoutMs: 30_000,
    })
    await stack.tenant.control('DELETE', 'exchanges')
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        cold.app.inject({
          method: 'POST',
          url: '/deliveries',
          headers: { authorization: `Bearer ${stack.storefront}` },
          payload: body(i % 2 ? 'Paris' : 'Tokyo'),
        }),
      ),
    )
    // Every request is accepted: planned (201), or pending (202) if world-mappers,
    // busy with the other 999, did not answer in time. Nothing fails.
    const statuses = new Set(answers.map((a) => a.statusCode))
    expect([...statuses].filter((code) => code !== 201 && code !== 202)).toEqual([])
    expect(answers.filter((a) => a.statusCode === 201).length).toBeGreaterThan(0)
    const exchanges = (await stack.tenant.control('GET', 'exchanges')) as Record<
      string,
      { succeeded: number }
    >
    expect(exchanges['gift-deliveries-dev']).toEqual({ succeeded: 1, failed: 0 })
    expect(cold.tokens.metrics.tokenRequests).toBe(1)
    await cold.close()
  }, 120_000)
})

describe('nothing accepted is lost', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gift-deliveries-'))
  })
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  it('stores a delivery as pending (202) while world-mappers is down, and plans it once it is back — across a restart', async () => {
    const down = await startWorldMappers(stack.tenant.issuer)
    const { port } = down
    const first = await startGiftDeliveries({
      issuer: stack.tenant.issuer,
      worldMappersUrl: down.url,
      dataDir,
    })
    await down.close()
    const res = await first.app.inject({
      method: 'POST',
      url: '/deliveries',
      headers: { authorization: `Bearer ${stack.storefront}` },
      payload: body('Vienna'),
    })
    expect(res.statusCode).toBe(202)
    expect(res.json()).toMatchObject({ status: 'pending', route: null })
    expect(res.json().lastError).toMatch(/unavailable|ECONNREFUSED|world-mappers/i)
    const id = res.json().id
    expect(await first.worker.runOnce()).toBe(0)
    await first.close()

    // restart with the pending row on disk, world-mappers back on the same port
    const back = await startWorldMappers(stack.tenant.issuer, port)
    const second = await startGiftDeliveries({
      issuer: stack.tenant.issuer,
      worldMappersUrl: back.url,
      dataDir,
    })
    expect((await second.store.get(id))?.status).toBe('pending')
    expect(await second.worker.runOnce()).toBe(1)
    const planned = await second.store.get(id)
    expect(planned?.status).toBe('planned')
    expect(planned?.route?.destination.name).toBe('Vienna')
    await second.close()
    await back.close()
  }, 120_000)

  it('keeps a delivery pending while the token endpoint answers 503, and plans it after', async () => {
    const fresh = await startGiftDeliveries({
      issuer: stack.tenant.issuer,
      worldMappersUrl: stack.mappers.url,
    })
    await stack.tenant.control('POST', 'faults', { target: 'token', status: 503, count: 2 })
    const res = await fresh.app.inject({
      method: 'POST',
      url: '/deliveries',
      headers: { authorization: `Bearer ${stack.storefront}` },
      payload: body('Prague'),
    })
    expect(res.statusCode).toBe(202)
    expect(await fresh.worker.runOnce()).toBe(1)
    expect((await fresh.store.get(res.json().id))?.status).toBe('planned')
    await fresh.close()
  })
})

describe('key rotation', () => {
  it('after the signing key is revoked, one refresh and one replay keep deliveries flowing', async () => {
    expect((await post(body('Dublin'))).statusCode).toBe(201)
    const before = stack.gifts.tokens.metrics.tokenRequests
    const keys = (await stack.tenant.management('GET', 'keys/signing')) as unknown as Array<{
      kid: string
      current: boolean
    }>
    const oldKid = keys.find((k) => k.current)?.kid
    await stack.tenant.management('POST', 'keys/signing/rotate')
    await stack.tenant.management('PUT', `keys/signing/${oldKid}/revoke`)
    await stack.mappers.verifier.keys.refresh()
    const res = await post(body('Edinburgh'))
    expect(res.statusCode).toBe(201)
    expect(stack.gifts.tokens.metrics.tokenRequests).toBe(before + 1)
  })
})

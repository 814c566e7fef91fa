import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  DURATION_BUCKETS_SECONDS,
  EVENT_TOKEN_RETRY,
  METRIC_TOKEN_CACHE_LOOKUPS,
  METRIC_TOKEN_EXCHANGE_DURATION,
  METRIC_TOKEN_EXCHANGES,
  METRIC_TOKEN_QUOTA_LIMIT,
  METRIC_TOKEN_QUOTA_REMAINING,
  METRIC_TOKEN_REFRESHES,
  METRIC_TOKEN_REQUESTS,
  SPAN_TOKEN_EXCHANGE,
} from '../../src/telemetry/index.js'
import {
  createTokenProvider,
  type TokenProvider,
  type TokenProviderOptions,
} from '../../src/token/index.js'
import { providerOptionsFor, startTokenServer, type TokenServer } from '../helpers/token-server.js'
import { otelPerTest, spanText } from './otel-harness.js'

const secret = 'telemetry-secret-0123456789'
const audience = 'urn:worldmappers'
const otel = otelPerTest()
let server: TokenServer
let clock: number
const providers: TokenProvider[] = []

beforeEach(async () => {
  server = await startTokenServer()
  clock = Date.UTC(2026, 11, 5)
})

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()))
  await server.close()
})

function provider(overrides: Partial<TokenProviderOptions> = {}): TokenProvider {
  const p = createTokenProvider({
    ...providerOptionsFor(server, secret),
    telemetry: otel.telemetry,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms
    },
    random: () => 0.5,
    expiryLeewayMs: 0,
    ...overrides,
  })
  providers.push(p)
  return p
}

const tokenReply = (n: number, extra: Record<string, unknown> = {}) => ({
  status: 200,
  body: { access_token: `token-${n}`, token_type: 'Bearer', expires_in: 3600, ...extra },
})

describe('m2m.token.cache.lookups', () => {
  it('counts a miss for the first call and hits for the cached ones', async () => {
    const p = provider()
    await p.getToken()
    await p.getToken()
    await p.getToken()
    expect(await otel.value(METRIC_TOKEN_CACHE_LOOKUPS, { audience, result: 'miss' })).toBe(1)
    expect(await otel.value(METRIC_TOKEN_CACHE_LOOKUPS, { audience, result: 'hit' })).toBe(2)
    const metric = await otel.metric(METRIC_TOKEN_CACHE_LOOKUPS)
    expect(metric.descriptor.unit).toBe('{lookup}')
  })

  it('sums two providers of the same audience under one attribute set', async () => {
    const one = provider()
    const two = provider({ organization: 'org_1' })
    await one.getToken()
    await two.getToken()
    await two.getToken()
    expect(await otel.value(METRIC_TOKEN_CACHE_LOOKUPS, { audience, result: 'miss' })).toBe(2)
    expect(await otel.value(METRIC_TOKEN_CACHE_LOOKUPS, { audience, result: 'hit' })).toBe(1)
  })
})

describe('m2m.token.exchanges, m2m.token.requests, m2m.token.exchange.duration', () => {
  it('records a successful exchange with its token type, request status and duration', async () => {
    await provider().getToken()
    expect(
      await otel.value(METRIC_TOKEN_EXCHANGES, {
        audience,
        outcome: 'success',
        token_type: 'Bearer',
      }),
    ).toBe(1)
    expect(await otel.value(METRIC_TOKEN_REQUESTS, { audience, status: '200' })).toBe(1)
    const duration = await otel.histogram(METRIC_TOKEN_EXCHANGE_DURATION, {
      audience,
      outcome: 'success',
    })
    expect(duration?.count).toBe(1)
    expect(duration?.sum).toBeGreaterThan(0)
    expect(duration?.buckets.boundaries).toEqual(DURATION_BUCKETS_SECONDS)
    const metric = await otel.metric(METRIC_TOKEN_EXCHANGE_DURATION)
    expect(metric.descriptor.unit).toBe('s')
  })

  it('counts every request of one exchange that retried 503 and 429, and one exchange', async () => {
    server.reply(
      { status: 503, body: { error: 'temporarily_unavailable' } },
      { status: 429, body: { error: 'too_many_requests' } },
      tokenReply(1),
    )
    await expect(provider().getToken()).resolves.toBe('token-1')
    expect(await otel.value(METRIC_TOKEN_REQUESTS, { audience, status: '503' })).toBe(1)
    expect(await otel.value(METRIC_TOKEN_REQUESTS, { audience, status: '429' })).toBe(1)
    expect(await otel.value(METRIC_TOKEN_REQUESTS, { audience, status: '200' })).toBe(1)
    expect(
      await otel.value(METRIC_TOKEN_EXCHANGES, {
        audience,
        outcome: 'success',
        token_type: 'Bearer',
      }),
    ).toBe(1)
  })

  const failures: Array<{
    name: string
    reply: Parameters<TokenServer['reply']>
    error: string
    status: string
    options?: Partial<TokenProviderOptions>
  }> = [
    {
      name: 'a refused client (403 access_denied), never retried',
      reply: [{ status: 403, body: { error: 'access_denied', error_description: 'no grant' } }],
      error: 'access_denied',
      status: '403',
    },
    {
      name: 'bad credentials (401 invalid_client)',
      reply: [{ status: 401, body: { error: 'invalid_client' } }],
      error: 'invalid_client',
      status: '401',
    },
    {
      name: 'a rate limit that outlasts the retries (429 too_many_requests)',
      reply: [{ status: 429, body: { error: 'too_many_requests' } }],
      error: 'too_many_requests',
      status: '429',
      options: { retry: { attempts: 1 } },
    },
    {
      name: 'an answer with no OAuth error body (502)',
      reply: [{ status: 502, body: '<html>bad gateway</html>' }],
      error: 'http_502',
      status: '502',
      options: { retry: { attempts: 1 } },
    },
    {
      name: 'a connection reset (network)',
      reply: ['reset'],
      error: 'network',
      status: 'network',
      options: { retry: { attempts: 1 } },
    },
    {
      name: 'no answer in time (timeout)',
      reply: ['hang'],
      error: 'timeout',
      status: 'network',
      options: { retry: { attempts: 1 }, timeoutMs: 200 },
    },
  ]
  for (const failure of failures) {
    it(`records a failed exchange: ${failure.name}`, async () => {
      server.reply(...failure.reply)
      await expect(provider(failure.options).getToken()).rejects.toThrow()
      expect(
        await otel.value(METRIC_TOKEN_EXCHANGES, {
          audience,
          outcome: 'failure',
          error: failure.error,
          token_type: 'Bearer',
        }),
      ).toBe(1)
      expect(await otel.value(METRIC_TOKEN_REQUESTS, { audience, status: failure.status })).toBe(1)
      const duration = await otel.histogram(METRIC_TOKEN_EXCHANGE_DURATION, {
        audience,
        outcome: 'failure',
      })
      expect(duration?.count).toBe(1)
    })
  }

  it('reports DPoP when the provider gets DPoP-bound tokens', async () => {
    server.reply(tokenReply(1, { token_type: 'DPoP' }))
    const p = provider({ dpop: true })
    await p.getToken()
    expect(
      await otel.value(METRIC_TOKEN_EXCHANGES, {
        audience,
        outcome: 'success',
        token_type: 'DPoP',
      }),
    ).toBe(1)
  })

  it('leaves the audience out when the provider has none (the tenant default)', async () => {
    await provider({ audience: undefined }).getToken()
    expect(await otel.value(METRIC_TOKEN_CACHE_LOOKUPS, { result: 'miss' })).toBe(1)
    expect(
      await otel.value(METRIC_TOKEN_EXCHANGES, { outcome: 'success', token_type: 'Bearer' }),
    ).toBe(1)
  })
})

describe('m2m.token.refreshes', () => {
  it('counts background refreshes by outcome', async () => {
    server.reply(tokenReply(1), { status: 403, body: { error: 'access_denied' } }, tokenReply(2))
    const p = provider({ backgroundRetryDelayMs: 1_000, failureCooldownMs: 0 })
    await p.getToken()
    clock += 3_300_000 // inside the refresh margin: the cached token is served, one refresh starts
    await expect(p.getToken()).resolves.toBe('token-1')
    await expect
      .poll(() => otel.value(METRIC_TOKEN_REFRESHES, { audience, outcome: 'failure' }))
      .toBe(1)
    clock += 1_000
    await expect(p.getToken()).resolves.toBe('token-1')
    await expect
      .poll(() => otel.value(METRIC_TOKEN_REFRESHES, { audience, outcome: 'success' }))
      .toBe(1)
    await expect(p.getToken()).resolves.toBe('token-2')
  })
})

describe('m2m.token.quota.remaining and m2m.token.quota.limit', () => {
  const quotaReply = () => ({
    ...tokenReply(1),
    headers: {
      'auth0-client-quota-limit': 'b=per_hour;q=100;r=70;t=3540, b=per_day;q=1000;r=907;t=84000',
      'auth0-organization-quota-limit': 'b=per_day;q=5000;r=4000;t=84000',
    },
  })
  const perHour = { audience, kind: 'client', bucket: 'per_hour' }

  it('reports the client and organization buckets the token endpoint last sent', async () => {
    server.reply(quotaReply())
    await provider().getToken()
    const expected = [
      ['client', 'per_hour', 70, 100],
      ['client', 'per_day', 907, 1000],
      ['organization', 'per_day', 4000, 5000],
    ] as const
    for (const [kind, bucket, remaining, limit] of expected) {
      const attributes = { audience, kind, bucket }
      expect(await otel.value(METRIC_TOKEN_QUOTA_REMAINING, attributes)).toBe(remaining)
      expect(await otel.value(METRIC_TOKEN_QUOTA_LIMIT, attributes)).toBe(limit)
    }
    // Past its reset time a bucket has refilled: it is reported full until the next answer says.
    clock += 3_540_000
    expect(await otel.value(METRIC_TOKEN_QUOTA_REMAINING, perHour)).toBe(100)
  })

  it('stops reading the buckets when the provider closes', async () => {
    server.reply(quotaReply())
    const p = provider()
    await p.getToken()
    expect(await otel.value(METRIC_TOKEN_QUOTA_REMAINING, perHour)).toBe(70)
    providers.splice(providers.indexOf(p), 1)
    await p.close()
    // A read now would say 100 (refilled); the SDK keeps at most the last value it had.
    clock += 3_540_000
    expect(await otel.value(METRIC_TOKEN_QUOTA_REMAINING, perHour)).not.toBe(100)
  })
})

describe('m2m.token.exchange span', () => {
  it('is a CLIENT span with the audience, outcome and status, and each retry as an event', async () => {
    server.reply({ status: 503, body: { error: 'temporarily_unavailable' } }, tokenReply(1))
    await provider().getToken()
    const spans = otel.spans().filter((s) => s.name === SPAN_TOKEN_EXCHANGE)
    expect(spans).toHaveLength(1)
    const [span] = spans
    expect(span?.kind).toBe(SpanKind.CLIENT)
    expect(span?.instrumentationScope).toMatchObject({ name: '@m2m/auth', version: '0.1.0' })
    expect(span?.attributes).toEqual({
      'm2m.audience': audience,
      'm2m.outcome': 'success',
      'http.response.status_code': 200,
    })
    expect(span?.status.code).toBe(SpanStatusCode.UNSET)
    expect(span?.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        EVENT_TOKEN_RETRY,
        { 'm2m.attempt': 1, 'm2m.retry.delay_ms': 100, 'error.type': 'temporarily_unavailable' },
      ],
    ])
  })

  it('sends its trace context to the token endpoint, on every attempt', async () => {
    server.reply({ status: 503, body: { error: 'temporarily_unavailable' } }, tokenReply(1))
    await provider().getToken()
    const [span] = otel.spans().filter((s) => s.name === SPAN_TOKEN_EXCHANGE)
    const { traceId, spanId } = span?.spanContext() ?? {}
    expect(server.requests.map((r) => r.headers.traceparent)).toEqual([
      `00-${traceId}-${spanId}-01`,
      `00-${traceId}-${spanId}-01`,
    ])
  })

  it('ends with status ERROR and error.type on failure, with no secret or token anywhere', async () => {
    server.reply({
      status: 403,
      body: { error: 'access_denied', error_description: `bad secret ${secret}` },
    })
    await expect(provider().getToken()).rejects.toThrow()
    const [span] = otel.spans()
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'access_denied' })
    expect(span?.attributes).toMatchObject({
      'm2m.outcome': 'failure',
      'error.type': 'access_denied',
      'http.response.status_code': 403,
    })
    expect(spanText(span as NonNullable<typeof span>)).not.toContain(secret)
  })

  it('never carries the access token', async () => {
    await provider().getToken()
    for (const span of otel.spans()) expect(spanText(span)).not.toContain('token-1')
  })
})

import { Writable } from 'node:stream'
import fc from 'fast-check'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createTokenProvider,
  parseQuotaHeader,
  type QuotaBucket,
  type TokenProvider,
  type TokenProviderOptions,
} from '../src/token/index.js'
import { providerOptionsFor, startTokenServer, type TokenServer } from './helpers/token-server.js'

const secret = 'super-secret-value-0123456789'
let server: TokenServer
let clock: number
let sleeps: number[]
let logs: string
const providers: TokenProvider[] = []

beforeEach(async () => {
  server = await startTokenServer()
  clock = Date.UTC(2026, 11, 5)
  sleeps = []
  logs = ''
})

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()))
  await server.close()
})

function provider(overrides: Partial<TokenProviderOptions> = {}): TokenProvider {
  const p = createTokenProvider({
    ...providerOptionsFor(server, secret),
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms)
      clock += ms
    },
    random: () => 0.5,
    expiryLeewayMs: 0,
    logger: pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          logs += String(chunk)
          done()
        },
      }),
    ),
    ...overrides,
  })
  providers.push(p)
  return p
}

const token = (n: number, quota?: string) => ({
  status: 200,
  body: { access_token: `token-${n}`, token_type: 'Bearer', expires_in: 60 },
  ...(quota ? { headers: { 'auth0-client-quota-limit': quota } } : {}),
})

describe('quota headers (Auth0-Client-Quota-Limit, Auth0-Organization-Quota-Limit)', () => {
  it('keeps every bucket the token endpoint reports, with its reset time', async () => {
    server.reply({
      ...token(1, 'b=per_hour;q=100;r=70;t=3540, b=per_day;q=1000;r=907;t=84000'),
      headers: {
        'auth0-client-quota-limit': 'b=per_hour;q=100;r=70;t=3540, b=per_day;q=1000;r=907;t=84000',
        'auth0-organization-quota-limit': 'b=per_day;q=5000;r=4000;t=84000',
      },
    })
    const p = provider()
    expect(p.quota).toEqual([])
    await p.getToken()
    expect(p.quota).toEqual([
      {
        scope: 'client',
        bucket: 'per_hour',
        limit: 100,
        remaining: 70,
        resetAt: clock + 3_540_000,
      },
      {
        scope: 'client',
        bucket: 'per_day',
        limit: 1000,
        remaining: 907,
        resetAt: clock + 84_000_000,
      },
      {
        scope: 'organization',
        bucket: 'per_day',
        limit: 5000,
        remaining: 4000,
        resetAt: clock + 84_000_000,
      },
    ])
  })

  it('warns once per bucket when under 10 % is left, and again only after it refilled', async () => {
    const low: QuotaBucket[] = []
    const p = provider({ onQuotaLow: (bucket) => low.push(bucket) })
    server.reply(
      token(1, 'b=per_hour;q=100;r=9;t=600'),
      token(2, 'b=per_hour;q=100;r=8;t=540'),
      token(3, 'b=per_hour;q=100;r=5;t=3600'),
    )
    await p.getToken()
    clock += 60_000
    await p.getToken()
    expect(low.map((b) => b.remaining)).toEqual([9])
    expect(logs.match(/token quota running low/g)).toHaveLength(1)
    expect(logs).toContain('"remaining":9')
    clock += 600_000 // the hour bucket refilled, and falls low again
    await p.getToken()
    expect(low.map((b) => b.remaining)).toEqual([9, 5])
  })

  it('never retries a quota 429 before the bucket refills; the error names the bucket and when', async () => {
    const spent = {
      status: 429,
      body: { error: 'too_many_requests', error_description: 'Client quota exceeded' },
      headers: { 'retry-after': '1', 'auth0-client-quota-limit': 'b=per_hour;q=10;r=0;t=1800' },
    }
    server.reply(spent)
    const p = provider()
    const failure = await p.getToken().catch((error: Error) => error)
    expect(failure).toMatchObject({ code: 'AUTH_ERR_TOKEN_ENDPOINT', status: 429 })
    expect((failure as Error).message).toContain(
      `the client per_hour token quota (10) is spent until ${new Date(clock + 1_800_000).toISOString()}`,
    )
    expect(server.tokenRequests).toBe(1)
    expect(sleeps).toEqual([])
    // Callers get the same error without a request until the bucket refills.
    clock += 1_700_000
    await expect(p.getToken()).rejects.toBe(failure)
    expect(server.tokenRequests).toBe(1)
    clock += 100_001
    await expect(p.getToken()).resolves.toBe('token-1')
    expect(server.tokenRequests).toBe(2)
  })

  it('honours X-RateLimit-Reset when a 429 has no Retry-After', async () => {
    server.reply(
      {
        status: 429,
        body: { error: 'too_many_requests' },
        headers: { 'x-ratelimit-reset': String(Math.floor(clock / 1000) + 3) },
      },
      token(1),
    )
    const p = provider()
    await expect(p.getToken()).resolves.toBe('token-1')
    expect(sleeps).toHaveLength(1)
    expect(sleeps[0]).toBeGreaterThanOrEqual(3_000)
  })

  it('refuses a threshold outside 0..1 and an onQuotaLow that is no function', () => {
    expect(() => provider({ quotaWarningThreshold: 2 })).toThrow(
      /quotaWarningThreshold must be a number from 0 to 1/,
    )
    expect(() => provider({ onQuotaLow: 'x' as never })).toThrow(/onQuotaLow must be a function/)
  })
})

describe('parseQuotaHeader', () => {
  it('reads the buckets it can and leaves out the parts it cannot (property)', () => {
    const bucketArb = fc.record({
      b: fc.constantFrom('per_hour', 'per_day'),
      q: fc.nat(1_000_000),
      r: fc.nat(1_000_000),
      t: fc.nat(86_400),
    })
    fc.assert(
      fc.property(
        fc.array(bucketArb, { maxLength: 4 }),
        fc.string({ maxLength: 20 }),
        (buckets, junk) => {
          const header = [
            ...buckets.map((b) => `b=${b.b};q=${b.q};r=${b.r};t=${b.t}`),
            junk.replace(/[=]/g, ''),
          ].join(', ')
          const parsed = parseQuotaHeader(header, 'client', 0)
          expect(parsed).toEqual(
            buckets.map((b) => ({
              scope: 'client',
              bucket: b.b,
              limit: b.q,
              remaining: b.r,
              resetAt: b.t * 1000,
            })),
          )
        },
      ),
      { seed: 2026, numRuns: 300 },
    )
    expect(parseQuotaHeader('b=per_hour;q=ten;r=1;t=5', 'client', 0)).toEqual([])
    expect(parseQuotaHeader(undefined, 'organization', 0)).toEqual([])
  })
})

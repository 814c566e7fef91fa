import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type CachedToken,
  createMemoryTokenCache,
  createTokenProvider,
  type TokenProvider,
  type TokenProviderOptions,
  tokenCacheKey,
} from '../src/token/index.js'
import { providerOptionsFor, startTokenServer, type TokenServer } from './helpers/token-server.js'

const secret = 'super-secret-value-0123456789'
let server: TokenServer
let clock: number
let sleeps: number[]
const providers: TokenProvider[] = []

beforeEach(async () => {
  server = await startTokenServer()
  clock = Date.UTC(2026, 0, 1)
  sleeps = []
})

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()))
  await server.close()
})

/** A provider on the test server with a manual clock and an instant, recorded sleep. */
function provider(overrides: Partial<TokenProviderOptions> = {}): TokenProvider {
  const p = createTokenProvider({
    ...providerOptionsFor(server, secret),
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms)
      clock += ms
    },
    random: () => 0.5,
    ...overrides,
  })
  providers.push(p)
  return p
}

/** Lets a background refresh finish. */
async function settle(p: TokenProvider, exchanges: number) {
  for (let i = 0; i < 200 && p.metrics.exchanges + p.metrics.failures < exchanges; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('options', () => {
  const cases: Array<[string, Partial<TokenProviderOptions>, RegExp]> = [
    ['no issuer nor domain', { issuer: undefined }, /issuer or domain is required/],
    ['issuer and domain', { domain: 'tenant.auth0.com' }, /not both/],
    ['issuer not a URL', { issuer: 'not a url' }, /issuer must be a URL/],
    ['issuer not http(s)', { issuer: 'ftp://example.com/' }, /http\(s\) URL/],
    ['domain with a scheme', { issuer: undefined, domain: 'https://x.auth0.com' }, /host name/],
    ['empty clientId', { clientId: '' }, /clientId must be a non-empty string/],
    ['empty clientSecret', { clientSecret: '  ' }, /clientSecret must be a non-empty string/],
    ['bad authMethod', { authMethod: 'private_key_jwt' as never }, /authMethod must be/],
    ['bad encoding', { encoding: 'xml' as never }, /encoding must be form or json/],
    ['bad scope', { scope: ['ok', 'not"ok'] }, /scope: Invalid scope token/],
    ['zero attempts', { retry: { attempts: 0 } }, /retry.attempts/],
    ['negative timeout', { timeoutMs: -1 }, /timeoutMs must be a positive number/],
  ]
  for (const [name, overrides, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(() => provider(overrides)).toThrow(message)
      try {
        provider(overrides)
      } catch (error) {
        expect((error as { code: string }).code).toBe('AUTH_ERR_INVALID_OPTION')
        expect(String((error as Error).message)).not.toContain(secret)
      }
    })
  }

  it('turns an Auth0 domain into the issuer https://<domain>/', () => {
    const p = provider({ issuer: undefined, domain: 'tenant.auth0.com' })
    expect(p.cacheKey).toBe(
      tokenCacheKey('https://tenant.auth0.com/', 'gift-deliveries', 'urn:worldmappers', undefined),
    )
  })

  it('keys the cache by issuer, client, audience and organization, not by scope', () => {
    const key = (i: string, c: string, a: string, o?: string) => tokenCacheKey(i, c, a, o)
    const keys = [
      key('https://i/', 'c', 'a'),
      key('https://j/', 'c', 'a'),
      key('https://i/', 'd', 'a'),
    ]
    keys.push(key('https://i/', 'c', 'b'), key('https://i/', 'c', 'a', 'org'))
    expect(new Set(keys).size).toBe(5)
    const scoped = provider({ scope: 'geocode:location' })
    expect(scoped.cacheKey).toBe(provider({ scope: 'directions' }).cacheKey)
  })

  it('warns once when the issuer is plain http outside loopback', () => {
    const warnings: string[] = []
    provider({
      issuer: 'http://auth.example.com/',
      logger: { debug() {}, warn: (_obj, msg) => warnings.push(String(msg)) },
    })
    expect(warnings).toEqual([
      'issuer uses plain http outside loopback: the client secret travels unencrypted',
    ])
  })
})

describe('request', () => {
  it('sends client_secret_post as a form by default, with audience, scope and organization', async () => {
    const p = provider({ scope: ['geocode:location', 'directions'], organization: 'acme' })
    expect(await p.getToken()).toBe('token-1')
    const [request] = server.requests
    expect(request?.contentType).toBe('application/x-www-form-urlencoded')
    expect(request?.headers.authorization).toBeUndefined()
    expect(request?.params).toEqual({
      grant_type: 'client_credentials',
      client_id: 'gift-deliveries',
      client_secret: secret,
      audience: 'urn:worldmappers',
      scope: 'geocode:location directions',
      organization: 'acme',
    })
  })

  it('sends client_secret_basic as JSON when asked, without the secret in the body', async () => {
    const p = provider({ authMethod: 'client_secret_basic', encoding: 'json', clientId: 'a b:c' })
    await p.getToken()
    const [request] = server.requests
    expect(request?.contentType).toBe('application/json')
    const basic = Buffer.from(`a+b%3Ac:${secret}`).toString('base64')
    expect(request?.headers.authorization).toBe(`Basic ${basic}`)
    expect(request?.params).toEqual({
      grant_type: 'client_credentials',
      audience: 'urn:worldmappers',
    })
  })

  it('reads the token endpoint from the discovery document, once', async () => {
    const p = provider({ tokenEndpoint: undefined })
    await p.getToken()
    await p.invalidate('token-1')
    await p.getToken()
    expect(server.discoveryHits).toBe(1)
    expect(server.requests.map((r) => r.path)).toEqual(['/oauth/token', '/oauth/token'])
  })

  it('refuses a discovery document that names another issuer', async () => {
    server.setDiscoveryIssuer('https://evil.example.com/')
    const p = provider({ tokenEndpoint: undefined })
    await expect(p.getToken()).rejects.toMatchObject({ code: 'AUTH_ERR_DISCOVERY' })
    expect(server.tokenRequests).toBe(0)
  })

  const badResponses: Array<[string, unknown, string]> = [
    ['no access_token', { token_type: 'Bearer', expires_in: 60 }, 'access_token is missing'],
    [
      'a non-Bearer token_type',
      { access_token: 'x', token_type: 'mac', expires_in: 60 },
      'token_type',
    ],
    ['no expires_in', { access_token: 'x', token_type: 'Bearer' }, 'expires_in'],
    [
      'a negative expires_in',
      { access_token: 'x', token_type: 'Bearer', expires_in: -5 },
      'expires_in',
    ],
  ]
  for (const [name, body, message] of badResponses) {
    it(`rejects a 200 response with ${name}`, async () => {
      server.reply({ status: 200, body })
      const error = await provider()
        .getToken()
        .catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'AUTH_ERR_TOKEN_RESPONSE' })
      expect((error as Error).message).toContain(message)
    })
  }
})

describe('cache and single flight', () => {
  it('serves the cached token without a second request', async () => {
    const p = provider()
    expect(await p.getToken()).toBe('token-1')
    expect(await p.getToken()).toBe('token-1')
    expect(server.tokenRequests).toBe(1)
    expect(p.metrics).toMatchObject({
      tokenRequests: 1,
      exchanges: 1,
      cacheHits: 1,
      cacheMisses: 1,
    })
  })

  it('makes exactly one request for 1,000 concurrent callers on an empty cache', async () => {
    const p = provider()
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => p.getToken()))
    expect(new Set(tokens)).toEqual(new Set(['token-1']))
    expect(server.tokenRequests).toBe(1)
  })

  it('shares one request between providers on one cache (the lock, as replicas on Redis)', async () => {
    const cache = createMemoryTokenCache({ now: () => clock })
    const a = provider({ cache, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) })
    const b = provider({ cache, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) })
    const tokens = await Promise.all(
      Array.from({ length: 500 }, (_, i) => (i % 2 ? a : b).getToken()),
    )
    expect(new Set(tokens)).toEqual(new Set(['token-1']))
    expect(server.tokenRequests).toBe(1)
  })

  it('waits for the lock holder, and goes ahead if its lock is never freed', async () => {
    const cache = createMemoryTokenCache({ now: () => clock })
    const p = provider({ cache })
    const held = await cache.lock?.(p.cacheKey, 60 * 60_000)
    expect(held).toBeDefined()
    expect(await p.getToken()).toBe('token-1')
    // lockTtlMs = maxElapsedMs 15 s + 2 x timeoutMs 5 s, polled every 50 ms
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(25_000)
    expect(server.tokenRequests).toBe(1)
  })

  it('computes expiry from a clock read before the request was sent', async () => {
    const cache = createMemoryTokenCache({ now: () => clock })
    const p = provider({ cache })
    const sentAt = clock
    server.reply({
      status: 200,
      body: { access_token: 't', token_type: 'Bearer', expires_in: 100 },
    })
    server.onTokenRequest(() => {
      clock += 30_000 // the response takes 30 s to arrive
    })
    await p.getToken()
    const entry = (await cache.get(p.cacheKey)) as CachedToken
    expect(entry.expiresAt).toBe(sentAt + 100_000)
  })
})

describe('refresh ahead', () => {
  it('serves the cached token in the soft window while ONE background refresh runs', async () => {
    const p = provider() // lifetime 3600 s: margin is 10 % = 360 s
    await p.getToken()
    clock += (3600 - 359) * 1000
    const tokens = await Promise.all(Array.from({ length: 100 }, () => p.getToken()))
    expect(new Set(tokens)).toEqual(new Set(['token-1']))
    await settle(p, 2)
    expect(server.tokenRequests).toBe(2)
    expect(p.metrics.refreshes).toBe(1)
    expect(await p.getToken()).toBe('token-2')
  })

  it('does not refresh before the soft window', async () => {
    const p = provider()
    await p.getToken()
    clock += (3600 - 361) * 1000
    await p.getToken()
    expect(p.metrics.refreshes).toBe(0)
    expect(server.tokenRequests).toBe(1)
  })

  it('uses a 60 s margin when 10 % of the lifetime is less', async () => {
    server.setExpiresIn(300)
    const p = provider()
    await p.getToken()
    clock += 239_000
    await p.getToken()
    expect(p.metrics.refreshes).toBe(0)
    clock += 2_000
    await p.getToken()
    expect(p.metrics.refreshes).toBe(1)
  })

  it('makes callers wait for a new token once the old one expired', async () => {
    const p = provider()
    await p.getToken()
    clock += 3600 * 1000
    expect(await p.getToken()).toBe('token-2')
    expect(p.metrics.refreshes).toBe(0)
    expect(p.metrics.cacheMisses).toBe(2)
  })

  it('keeps serving a still-valid token while the refresh fails', async () => {
    const lines: string[] = []
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk))
          done()
        },
      }),
    )
    const p = provider({ logger, retry: { attempts: 2 } })
    await p.getToken()
    clock += 3500 * 1000
    server.reply({ status: 500 }, { status: 500 })
    expect(await p.getToken()).toBe('token-1')
    await settle(p, 2)
    expect(p.metrics.failures).toBe(1)
    expect(await p.getToken()).toBe('token-1')
    expect(lines.join('')).toContain('background token refresh failed')
    expect(lines.join('')).not.toContain(secret)
    expect(lines.join('')).not.toContain('token-1')
  })
})

describe('retries', () => {
  it('retries 5xx with exponential backoff and full jitter', async () => {
    server.reply({ status: 503 }, { status: 502 }, { status: 500 })
    const p = provider({ random: () => 0.999 })
    expect(await p.getToken()).toBe('token-1')
    expect(server.tokenRequests).toBe(4)
    // full jitter: floor(random * min(cap, base * 2^(n-1))) with base 200
    expect(sleeps).toEqual([199, 399, 799])
  })

  it('draws each delay from zero up to the exponential ceiling', async () => {
    server.reply({ status: 503 }, { status: 503 })
    const p = provider({ random: () => 0 })
    await p.getToken()
    expect(sleeps).toEqual([0, 0])
  })

  it('honours Retry-After on 429', async () => {
    server.reply({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: 'too_many_requests' },
    })
    const p = provider()
    expect(await p.getToken()).toBe('token-1')
    expect(sleeps).toEqual([7000])
  })

  it('gives up when Retry-After is beyond the total time budget', async () => {
    server.reply({
      status: 429,
      headers: { 'retry-after': '60' },
      body: { error: 'too_many_requests' },
    })
    const error = await provider()
      .getToken()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'AUTH_ERR_TOKEN_ENDPOINT',
      status: 429,
      retryAfterMs: 60_000,
    })
    expect(sleeps).toEqual([])
    expect(server.tokenRequests).toBe(1)
  })

  it('stops after the configured number of attempts', async () => {
    server.reply(...Array.from({ length: 10 }, () => ({ status: 500 })))
    const p = provider({ retry: { attempts: 3 } })
    await expect(p.getToken()).rejects.toMatchObject({
      code: 'AUTH_ERR_TOKEN_ENDPOINT',
      status: 500,
    })
    expect(server.tokenRequests).toBe(3)
    expect(p.metrics.failures).toBe(1)
  })

  it('retries a connection reset', async () => {
    server.reply('reset')
    const p = provider()
    expect(await p.getToken()).toBe('token-1')
    expect(server.tokenRequests).toBe(2)
  })

  it('times out a request that hangs, and retries it', async () => {
    server.reply('hang', 'hang')
    const p = provider({ timeoutMs: 150, retry: { attempts: 2 } })
    const error = await p.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'AUTH_ERR_TOKEN_NETWORK' })
    expect((error as Error).message).toContain('timed out')
    expect(server.tokenRequests).toBe(2)
  })

  for (const status of [400, 401, 403]) {
    it(`never retries ${status}, and remembers it briefly`, async () => {
      const body = { error: 'access_denied', error_description: 'Unauthorized' }
      server.reply({ status, body })
      const p = provider({ failureCooldownMs: 10_000 })
      const first = await p.getToken().catch((e: unknown) => e)
      expect(first).toMatchObject({
        code: 'AUTH_ERR_TOKEN_ENDPOINT',
        statusCode: 502,
        status,
        error: 'access_denied',
        error_description: 'Unauthorized',
      })
      expect((first as Error).message).toBe(
        `The token endpoint answered ${status}: access_denied (Unauthorized)`,
      )
      const again = await p.getToken().catch((e: unknown) => e)
      expect(again).toBe(first)
      expect(server.tokenRequests).toBe(1)
      clock += 10_001
      expect(await p.getToken()).toBe('token-1')
      expect(server.tokenRequests).toBe(2)
    })
  }
})

describe('secrets', () => {
  it('never puts the client secret in an error, even when the server echoes it', async () => {
    server.reply({
      status: 401,
      body: { error: 'access_denied', error_description: `bad secret ${secret}` },
    })
    const error = (await provider()
      .getToken()
      .catch((e: unknown) => e)) as Error
    expect(error.message).toContain('[redacted]')
    for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
      expect(text).not.toContain(secret)
    }
  })
})

describe('invalidate', () => {
  it('drops the cached token only if it is still that token', async () => {
    const p = provider()
    await p.getToken()
    await p.invalidate('some-other-token')
    expect(await p.getToken()).toBe('token-1')
    await p.invalidate('token-1')
    expect(await p.getToken()).toBe('token-2')
    await p.invalidate('token-1')
    expect(await p.getToken()).toBe('token-2')
    expect(server.tokenRequests).toBe(2)
  })

  it('turns 50 concurrent 401s for one token into one refresh', async () => {
    const p = provider()
    const old = await p.getToken()
    const renewed = await Promise.all(
      Array.from({ length: 50 }, async () => {
        await p.invalidate(old)
        return p.getToken()
      }),
    )
    expect(new Set(renewed)).toEqual(new Set(['token-2']))
    expect(server.tokenRequests).toBe(2)
  })
})

describe('remembering failures', () => {
  it('honours a long Retry-After across calls: no request until it has passed', async () => {
    server.reply({
      status: 429,
      headers: { 'retry-after': '3600' },
      body: { error: 'too_many_requests' },
    })
    const p = provider()
    for (let i = 0; i < 5; i++) {
      await expect(p.getToken()).rejects.toMatchObject({
        code: 'AUTH_ERR_TOKEN_ENDPOINT',
        status: 429,
      })
    }
    expect(server.tokenRequests).toBe(1)
    clock += 3_600_001
    expect(await p.getToken()).toBe('token-1')
    expect(server.tokenRequests).toBe(2)
  })

  it('pauses briefly after transient failures exhausted their retries', async () => {
    server.reply(...Array.from({ length: 10 }, () => ({ status: 503 })))
    const p = provider({ retry: { attempts: 2 }, transientCooldownMs: 1_000 })
    for (let i = 0; i < 5; i++) await expect(p.getToken()).rejects.toMatchObject({ status: 503 })
    expect(server.tokenRequests).toBe(2)
    clock += 1_001
    await expect(p.getToken()).rejects.toMatchObject({ status: 503 })
    expect(server.tokenRequests).toBe(4)
  })
})

describe('odd lifetimes', () => {
  it('caches a token whose lifetime is shorter than the expiry leeway', async () => {
    server.setExpiresIn(3)
    const p = provider()
    for (let i = 0; i < 5; i++) expect(await p.getToken()).toBe('token-1')
    expect(server.tokenRequests).toBe(1)
  })

  it('survives a refreshMargin that returns NaN (no soft window)', async () => {
    const p = provider({ refreshMargin: () => Number.NaN })
    await p.getToken()
    clock += 3_590_000
    expect(await p.getToken()).toBe('token-1')
    expect(p.metrics.refreshes).toBe(0)
    expect(server.tokenRequests).toBe(1)
  })
})

describe('discovered token endpoint', () => {
  it('refuses a plain-http token endpoint for an https issuer', async () => {
    const { MockAgent } = await import('undici')
    const agent = new MockAgent()
    agent.disableNetConnect()
    agent
      .get('https://tenant.example')
      .intercept({ path: '/.well-known/openid-configuration' })
      .reply(200, {
        issuer: 'https://tenant.example/',
        token_endpoint: 'http://evil.example/oauth/token',
      })
    const p = provider({
      issuer: 'https://tenant.example/',
      tokenEndpoint: undefined,
      dispatcher: agent,
    })
    const error = await p.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'AUTH_ERR_DISCOVERY' })
    expect((error as Error).message).toContain('not https')
    await agent.close()
  })

  it('warns when the token endpoint is on another origin than the issuer', async () => {
    const { MockAgent } = await import('undici')
    const agent = new MockAgent()
    agent.disableNetConnect()
    const tenant = agent.get('https://tenant.example')
    tenant.intercept({ path: '/.well-known/openid-configuration' }).reply(200, {
      issuer: 'https://tenant.example/',
      token_endpoint: 'https://login.example/oauth/token',
    })
    agent
      .get('https://login.example')
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(200, { access_token: 'x', token_type: 'Bearer', expires_in: 60 })
    const warnings: string[] = []
    const p = provider({
      issuer: 'https://tenant.example/',
      tokenEndpoint: undefined,
      dispatcher: agent,
      logger: { debug() {}, warn: (_o, msg) => warnings.push(String(msg)) },
    })
    expect(await p.getToken()).toBe('x')
    expect(warnings).toEqual(['the discovered token endpoint is on another origin than the issuer'])
    await agent.close()
  })
})

describe('typed errors', () => {
  it('TokenEndpointError declares the server fields', async () => {
    const { TokenEndpointError } = await import('../src/token/index.js')
    server.reply({
      status: 403,
      body: { error: 'access_denied', error_description: 'Nope', error_uri: 'https://x' },
    })
    const error = await provider()
      .getToken()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    if (error instanceof TokenEndpointError) {
      const fields: [number, string | undefined, string | undefined, string | undefined] = [
        error.status,
        error.error,
        error.error_description,
        error.error_uri,
      ]
      expect(fields).toEqual([403, 'access_denied', 'Nope', 'https://x'])
    }
  })
})

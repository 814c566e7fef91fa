import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { Agent, request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBearerInterceptor } from '../src/http/index.js'
import {
  createMemoryTokenCache,
  createTokenProvider,
  scopedTokenSource,
  type TokenProvider,
  type TokenProviderOptions,
} from '../src/token/index.js'
import { providerOptionsFor, startTokenServer, type TokenServer } from './helpers/token-server.js'

const secret = 'super-secret-value-0123456789'
const GRANT = ['geocode:location', 'reverse-geocode:location', 'directions', 'suggest']
let server: TokenServer
let clock: number
const providers: TokenProvider[] = []

beforeEach(async () => {
  server = await startTokenServer()
  clock = Date.UTC(2026, 0, 1)
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
      clock += ms
    },
    random: () => 0.5,
    ...overrides,
  })
  providers.push(p)
  return p
}

/** The scope each issued token carries, from what was asked (`token-<n>` answers the n-th request). */
function grantedScopeOf(token: string, mode: 'all' | 'asked'): string[] {
  const n = Number(token.slice('token-'.length))
  const asked = server.requests[n - 1]?.params.scope
  return mode === 'all' || !asked ? GRANT : asked.split(' ')
}

const subsets = fc.subarray(GRANT, { minLength: 1 })

describe('one token per audience, whatever scopes the calls need', () => {
  it('serves N scope variants with one exchange when the server grants the whole grant (Auth0)', async () => {
    server.setGrant(GRANT, 'all')
    const p = provider()
    const variants = [
      ...GRANT,
      'geocode:location directions',
      ['suggest', 'directions'],
      GRANT.join(' '),
      undefined,
    ]
    const calls = Array.from({ length: 200 }, (_, i) => variants[i % variants.length])
    const tokens = await Promise.all(calls.map((scope) => p.getToken({ scope })))
    for (const scope of variants) await p.getToken({ scope })
    expect(new Set(tokens)).toEqual(new Set(['token-1']))
    expect(server.tokenRequests).toBe(1)
  })

  it('shares one token between providers that each need a different subset (one cache)', async () => {
    server.setGrant(GRANT, 'all')
    const cache = createMemoryTokenCache({ now: () => clock })
    const each = GRANT.map((scope) => provider({ scope, cache }))
    expect(new Set(each.map((p) => p.cacheKey)).size).toBe(1)
    for (const p of each) await p.getToken()
    await Promise.all(each.map((p) => p.getToken()))
    expect(server.tokenRequests).toBe(1)
  })

  it('any sequence of scope variants costs one exchange on Auth0 (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(subsets, { minLength: 1, maxLength: 30 }), async (sequence) => {
        const before = server.tokenRequests
        server.setGrant(GRANT, 'all')
        const p = provider({ audience: `urn:p${before}` })
        for (const scope of sequence) await p.getToken({ scope })
        expect(server.tokenRequests - before).toBe(1)
      }),
      { numRuns: 50, seed: 19 },
    )
  })

  it('converges on the union with a server that grants only what is asked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(subsets, { minLength: 1, maxLength: 30 }), async (sequence) => {
        const before = server.tokenRequests
        server.setGrant(GRANT, 'asked')
        const p = provider({ audience: `urn:q${before}` })
        const seen = new Set<string>()
        let widenings = 0
        for (const scope of sequence) {
          if (scope.some((s) => !seen.has(s))) widenings++
          for (const s of scope) seen.add(s)
          const token = await p.getToken({ scope })
          // Every call gets a token that carries what it needs.
          expect(grantedScopeOf(token, 'asked')).toEqual(expect.arrayContaining(scope))
        }
        // A new exchange only when a call needs a scope no earlier call needed.
        expect(server.tokenRequests - before).toBe(widenings)
        const last = server.requests.at(-1)?.params.scope?.split(' ') ?? []
        expect(new Set(last)).toEqual(seen)
      }),
      { numRuns: 50, seed: 19 },
    )
  })
})

describe('scopedTokenSource', () => {
  it('gives each upstream its scopes through its own interceptor, on one exchange', async () => {
    server.setGrant(GRANT, 'asked')
    const seen: string[] = []
    const api = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`)
      res.end('ok')
    })
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
    const p = provider({ scope: 'geocode:location directions' })
    const agents = ['geocode:location', 'directions'].map((scope) =>
      new Agent().compose(
        createBearerInterceptor(scopedTokenSource(p, scope), { origins: origin }),
      ),
    )
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          request(`${origin}/${i % 2}`, { dispatcher: agents[i % 2] }).then((r) => r.body.text()),
        ),
      )
      expect(server.tokenRequests).toBe(1)
      expect(new Set(seen.map((line) => line.split(' ').slice(1).join(' ')))).toEqual(
        new Set(['Bearer token-1']),
      )
      expect(seen).toHaveLength(40)
    } finally {
      await Promise.all(agents.map((a) => a.close()))
      api.closeAllConnections()
      await new Promise<void>((resolve) => api.close(() => resolve()))
    }
  })
})

describe('scopes outside the grant', () => {
  it('refuses a scope the grant lacks without taking the others down, and asks again only after the cooldown', async () => {
    server.setGrant(['geocode:location'], 'all')
    const p = provider({ failureCooldownMs: 30_000 })
    expect(await p.getToken({ scope: 'geocode:location' })).toBe('token-1')
    for (let i = 0; i < 5; i++) {
      await expect(p.getToken({ scope: 'directions' })).rejects.toMatchObject({
        code: 'AUTH_ERR_TOKEN_ENDPOINT',
        status: 403,
        error_description: 'Client has not been granted scopes: directions',
      })
    }
    // Asked with the cached token's scopes, then (in case the grant narrowed) alone; then not again.
    expect(server.requests.map((r) => r.params.scope)).toEqual([
      'geocode:location',
      'directions geocode:location',
      'directions',
    ])
    // The refusal is about `directions` only: the token in the cache still serves.
    expect(await p.getToken({ scope: 'geocode:location' })).toBe('token-1')
    expect(await p.getToken()).toBe('token-1')
    clock += 30_001
    await expect(p.getToken({ scope: 'directions' })).rejects.toMatchObject({ status: 403 })
    expect(server.tokenRequests).toBe(5)
  })

  it('says which scopes a server granted too few of, and does not ask again at once', async () => {
    const p = provider()
    server.reply({
      status: 200,
      body: { access_token: 'narrow', token_type: 'Bearer', expires_in: 3600, scope: 'suggest' },
    })
    await expect(p.getToken({ scope: 'suggest directions' })).rejects.toMatchObject({
      code: 'AUTH_ERR_SCOPE_NOT_GRANTED',
      message: 'The token endpoint did not grant the scopes: directions',
    })
    await expect(p.getToken({ scope: 'directions suggest' })).rejects.toMatchObject({
      code: 'AUTH_ERR_SCOPE_NOT_GRANTED',
    })
    expect(server.tokenRequests).toBe(1)
    // What it did grant serves.
    expect(await p.getToken({ scope: 'suggest' })).toBe('narrow')
  })

  it('asks only for what is needed when a narrowed grant refuses the previous token scopes', async () => {
    server.setGrant(GRANT, 'all')
    server.setExpiresIn(60)
    const p = provider({ scope: 'suggest', refreshMargin: () => 30_000 })
    expect(await p.getToken()).toBe('token-1')
    server.setGrant(['suggest'], 'all')
    // In the soft window: served, and refreshed in the background.
    clock += 45_000
    expect(await p.getToken()).toBe('token-1')
    for (let i = 0; i < 100 && p.metrics.exchanges < 2; i++)
      await new Promise((r) => setTimeout(r, 5))
    expect(await p.getToken()).toBe('token-3')
    const asked = server.requests.map((r) => r.params.scope)
    expect(asked).toEqual([
      'suggest',
      `suggest ${GRANT.filter((s) => s !== 'suggest').join(' ')}`,
      'suggest',
    ])
  })

  it('refuses a malformed scope as an option error, before any request', async () => {
    const p = provider()
    await expect(p.getToken({ scope: 'bad"scope' })).rejects.toMatchObject({
      code: 'AUTH_ERR_INVALID_OPTION',
    })
    expect(server.tokenRequests).toBe(0)
  })
})

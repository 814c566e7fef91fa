import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { Agent, request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createDpopKey,
  createMemoryReplayCache,
  type DpopKey,
  verifyDpopProof,
} from '../src/dpop/index.js'
import { createBearerInterceptor } from '../src/http/index.js'
import {
  createTokenProvider,
  type TokenProvider,
  type TokenProviderOptions,
  tokenCacheKey,
} from '../src/token/index.js'
import { providerOptionsFor, startTokenServer, type TokenServer } from './helpers/token-server.js'

const secret = 'super-secret-value-0123456789'
let server: TokenServer
const closers: Array<() => Promise<void>> = []

beforeEach(async () => {
  server = await startTokenServer()
})

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
  await server.close()
})

function provider(overrides: Partial<TokenProviderOptions> = {}): TokenProvider {
  const p = createTokenProvider({ ...providerOptionsFor(server, secret), dpop: true, ...overrides })
  closers.push(() => p.close())
  return p
}

const dpopToken = (n: number) => ({
  status: 200,
  body: { access_token: `dpop-token-${n}`, token_type: 'DPoP', expires_in: 3600 },
})

/** Checks a recorded token request's proof as a token endpoint must (RFC 9449 §4.3). */
function tokenEndpointProof(headers: IncomingHttpHeaders, nonce?: string) {
  return verifyDpopProof(headers.dpop as string, {
    htm: 'POST',
    htu: server.tokenEndpoint,
    replay: createMemoryReplayCache(),
    statusCode: 400,
    ...(nonce ? { isNonceValid: (value: string) => value === nonce } : {}),
  })
}

describe('DPoP at the token endpoint (@m2m/auth/token)', () => {
  it('sends a proof for POST to the token endpoint and caches the DPoP token it gets', async () => {
    server.reply(dpopToken(1))
    const p = provider()
    await expect(p.getAccessToken()).resolves.toEqual({
      accessToken: 'dpop-token-1',
      tokenType: 'DPoP',
    })
    await expect(p.getToken()).resolves.toBe('dpop-token-1')
    expect(server.tokenRequests).toBe(1)
    const proof = await tokenEndpointProof(server.requests[0]?.headers ?? {})
    expect(proof.jkt).toBe(p.dpopKey?.jkt)
    expect(proof.alg).toBe('ES256')
  })

  it('answers use_dpop_nonce at once with a proof carrying the nonce: one exchange, two requests', async () => {
    server.reply(
      {
        status: 400,
        body: {
          error: 'use_dpop_nonce',
          error_description: 'Authorization server requires nonce in DPoP proof',
        },
        headers: { 'dpop-nonce': 'nonce-1' },
      },
      dpopToken(1),
    )
    const p = provider({ retry: { attempts: 1 } })
    await expect(p.getToken()).resolves.toBe('dpop-token-1')
    expect(server.tokenRequests).toBe(2)
    expect(p.metrics).toMatchObject({ exchanges: 1, failures: 0, tokenRequests: 2 })
    const [first, second] = server.requests
    await expect(tokenEndpointProof(first?.headers ?? {}, 'nonce-1')).rejects.toMatchObject({
      error: 'use_dpop_nonce',
    })
    await expect(tokenEndpointProof(second?.headers ?? {}, 'nonce-1')).resolves.toMatchObject({
      jkt: p.dpopKey?.jkt,
    })
  })

  it('asks again only once: a second use_dpop_nonce is the caller’s error', async () => {
    const challenge = (nonce: string) => ({
      status: 400,
      body: { error: 'use_dpop_nonce' },
      headers: { 'dpop-nonce': nonce },
    })
    server.reply(challenge('a'), challenge('b'))
    const p = provider({ retry: { attempts: 1 } })
    await expect(p.getToken()).rejects.toMatchObject({
      code: 'AUTH_ERR_TOKEN_ENDPOINT',
      error: 'use_dpop_nonce',
    })
    expect(server.tokenRequests).toBe(2)
  })

  it('signs a new client assertion for the nonce retry (private_key_jwt + DPoP)', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    server.reply(
      { status: 400, body: { error: 'use_dpop_nonce' }, headers: { 'dpop-nonce': 'n' } },
      dpopToken(1),
    )
    const p = provider({
      clientSecret: undefined,
      clientAssertionSigningKey: privateKey,
      retry: { attempts: 1 },
    })
    await p.getToken()
    const assertions = server.requests.map((r) => r.params.client_assertion)
    expect(assertions).toHaveLength(2)
    expect(new Set(assertions).size).toBe(2)
  })

  it('keeps a bearer token an API answered a DPoP request with, as a bearer token', async () => {
    const p = provider()
    await expect(p.getAccessToken()).resolves.toEqual({
      accessToken: 'token-1',
      tokenType: 'Bearer',
    })
  })

  it('refuses a DPoP token it did not ask for: it could not be used', async () => {
    server.reply(dpopToken(1))
    const p = provider({ dpop: false, retry: { attempts: 1 } })
    await expect(p.getToken()).rejects.toMatchObject({ code: 'AUTH_ERR_TOKEN_RESPONSE' })
  })

  it('caches bound tokens per key: shared only by providers holding the same key', () => {
    const shared = createDpopKey()
    const a = provider({ dpop: { privateKey: shared.privateKey } })
    const b = provider({ dpop: { privateKey: shared.privateKey } })
    const c = provider()
    const bearer = provider({ dpop: false })
    expect(a.cacheKey).toBe(b.cacheKey)
    expect(c.cacheKey).not.toBe(a.cacheKey)
    expect(bearer.cacheKey).toBe(
      tokenCacheKey(server.issuer, 'gift-deliveries', 'urn:worldmappers', undefined),
    )
    expect(new Set([a.cacheKey, c.cacheKey, bearer.cacheKey]).size).toBe(3)
  })

  it('never shows the private key: JSON and inspect give the algorithm and thumbprint only', () => {
    const key = provider().dpopKey as DpopKey
    for (const shown of [JSON.stringify(key), inspect(key), JSON.stringify({ key })]) {
      expect(shown).toContain(key.jkt)
      expect(shown).not.toMatch(/"d"|PRIVATE|privateKey/)
    }
    expect(Object.keys(key.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y'])
  })

  it('refuses dpop options that cannot work, naming them', () => {
    expect(() => provider({ dpop: { alg: 'HS256' as never } })).toThrow(/dpop.alg/)
    expect(() => provider({ dpop: { alg: 'ES256', privateKey: 'not a pem' } })).toThrow(
      /dpop.privateKey is not a PEM private key/,
    )
    const rsa = createDpopKey({ alg: 'RS256' })
    expect(() => provider({ dpop: { alg: 'ES256', privateKey: rsa.privateKey } })).toThrow(
      /not a private key for ES256/,
    )
    expect(() => provider({ dpop: 'yes' as never })).toThrow(/dpop must be/)
  })
})

/** A resource server that takes DPoP tokens only, checks each proof, and can demand a nonce. */
async function startDpopResourceServer(jkt: () => string | undefined) {
  const replay = createMemoryReplayCache()
  let nonce: string | undefined
  const seen: Array<{ method: string; url: string; authorization: string | undefined }> = []
  const httpServer = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
      })
      const [scheme, token] = (req.headers.authorization ?? '').split(' ')
      if (scheme !== 'DPoP' || !token) {
        res.writeHead(401, { 'www-authenticate': 'DPoP algs="ES256"' })
        return res.end()
      }
      try {
        await verifyDpopProof(req.headers.dpop as string, {
          htm: req.method ?? '',
          htu: `${origin}${req.url}`,
          accessToken: token,
          jkt: jkt(),
          replay,
          ...(nonce ? { isNonceValid: (value: string) => value === nonce } : {}),
        })
      } catch (error) {
        const { error: code, description } = error as { error: string; description: string }
        res.writeHead(401, {
          'www-authenticate': `DPoP error="${code}", error_description="${description}"`,
          ...(code === 'use_dpop_nonce' && nonce ? { 'dpop-nonce': nonce } : {}),
        })
        return res.end(JSON.stringify({ error: code }))
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true, body: Buffer.concat(chunks).toString('utf8') }))
    })
  })
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`
  closers.push(async () => {
    httpServer.closeAllConnections()
    await new Promise<void>((resolve) => httpServer.close(() => resolve()))
  })
  return {
    origin,
    seen,
    requireNonce(value: string) {
      nonce = value
    },
  }
}

describe('DPoP on outbound calls (@m2m/auth/http)', () => {
  it('sends Authorization: DPoP and a proof for each request’s method and URL, never twice the same', async () => {
    server.reply(dpopToken(1))
    const p = provider()
    const api = await startDpopResourceServer(() => p.dpopKey?.jkt)
    const agent = new Agent().compose(createBearerInterceptor(p, { origins: api.origin }))
    closers.push(() => agent.close())
    for (const [method, path] of [
      ['GET', '/api/me?x=1'],
      ['POST', '/deliveries'],
      ['GET', '/api/me?x=1'],
    ] as const) {
      const res = await request(`${api.origin}${path}`, {
        method,
        dispatcher: agent,
        ...(method === 'POST' ? { body: '{"a":1}' } : {}),
      })
      expect(res.statusCode).toBe(200)
      await res.body.json()
    }
    expect(api.seen.map((s) => s.authorization)).toEqual(Array(3).fill('DPoP dpop-token-1'))
    expect(server.tokenRequests).toBe(1)
  })

  it('sends 1,000 concurrent calls on one bound token, each with a proof of its own', async () => {
    server.reply(dpopToken(1))
    const p = provider()
    const api = await startDpopResourceServer(() => p.dpopKey?.jkt)
    const agent = new Agent({ connections: 50 }).compose(
      createBearerInterceptor(p, { origins: api.origin }),
    )
    closers.push(() => agent.close())
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        request(`${api.origin}/api/item/${i}?page=${i}`, { dispatcher: agent }).then(
          async (res) => {
            await res.body.json()
            return res.statusCode
          },
        ),
      ),
    )
    // The server's replay cache refused none: every proof was new, and each matched its URL.
    expect(answers.filter((status) => status === 200)).toHaveLength(1_000)
    expect(api.seen).toHaveLength(1_000)
    expect(server.tokenRequests).toBe(1)
  })

  it('answers a resource server’s use_dpop_nonce once, then sends its nonce with every proof', async () => {
    server.reply(dpopToken(1))
    const p = provider()
    const api = await startDpopResourceServer(() => p.dpopKey?.jkt)
    api.requireNonce('rs-nonce-1')
    const agent = new Agent().compose(createBearerInterceptor(p, { origins: api.origin }))
    closers.push(() => agent.close())
    const first = await request(`${api.origin}/api/me`, { dispatcher: agent })
    expect(first.statusCode).toBe(200)
    await first.body.json()
    expect(api.seen).toHaveLength(2)
    const second = await request(`${api.origin}/api/me`, {
      method: 'POST',
      body: 'x',
      dispatcher: agent,
    })
    expect(second.statusCode).toBe(200)
    await second.body.json()
    expect(api.seen).toHaveLength(3)
    // A rotated nonce: one more round trip, no new token.
    api.requireNonce('rs-nonce-2')
    const third = await request(`${api.origin}/api/me`, { dispatcher: agent })
    expect(third.statusCode).toBe(200)
    await third.body.json()
    expect(api.seen).toHaveLength(5)
    expect(server.tokenRequests).toBe(1)
  })

  it('passes the 401 through when the proof is refused for another reason (no loop, no refresh)', async () => {
    server.reply(dpopToken(1))
    const p = provider()
    const api = await startDpopResourceServer(() => 'another-key-thumbprint')
    const agent = new Agent().compose(createBearerInterceptor(p, { origins: api.origin }))
    closers.push(() => agent.close())
    const res = await request(`${api.origin}/api/me`, { dispatcher: agent })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/invalid_dpop_proof/)
    await res.body.text()
    expect(api.seen).toHaveLength(1)
    expect(server.tokenRequests).toBe(1)
  })

  it('refreshes a DPoP token the resource server calls invalid_token, like a bearer token', async () => {
    server.reply(dpopToken(1), dpopToken(2))
    const p = provider()
    let calls = 0
    const httpServer = createServer((req, res) => {
      calls++
      if (req.headers.authorization === 'DPoP dpop-token-1') {
        res.writeHead(401, { 'www-authenticate': 'DPoP error="invalid_token"' })
        return res.end()
      }
      res.writeHead(200)
      res.end(req.headers.authorization)
    })
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
    const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`
    closers.push(async () => {
      httpServer.closeAllConnections()
      await new Promise<void>((resolve) => httpServer.close(() => resolve()))
    })
    const agent = new Agent().compose(createBearerInterceptor(p, { origins: origin }))
    closers.push(() => agent.close())
    const res = await request(`${origin}/x`, { dispatcher: agent })
    await expect(res.body.text()).resolves.toBe('DPoP dpop-token-2')
    expect(calls).toBe(2)
  })

  it('fails a DPoP token from a source without a key, rather than sending it as bearer', async () => {
    const source = {
      getToken: async () => 'x',
      getAccessToken: async () => ({ accessToken: 'x', tokenType: 'DPoP' as const }),
      invalidate: () => {},
    }
    const agent = new Agent().compose(createBearerInterceptor(source, { origins: server.issuer }))
    closers.push(() => agent.close())
    await expect(request(`${server.issuer}anything`, { dispatcher: agent })).rejects.toMatchObject({
      code: 'AUTH_ERR_UNUSABLE_ACCESS_TOKEN',
    })
  })
})

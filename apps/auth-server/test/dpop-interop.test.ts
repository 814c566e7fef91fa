import { createHash, webcrypto } from 'node:crypto'
import { jwkThumbprint } from '@m2m/auth/dpop'
import { m2mAuth } from '@m2m/auth/fastify'
import { createBearerInterceptor } from '@m2m/auth/http'
import { createTokenProvider } from '@m2m/auth/token'
import express from 'express'
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer'
import Fastify, { type FastifyInstance } from 'fastify'
import * as oauth from 'oauth4webapi'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devClient, startLiveAuthServer } from './helpers/live-server.js'

/**
 * Issue 18, DPoP across implementations: the local tenant's DPoP tokens are
 * taken by express-oauth2-jwt-bearer (its own DPoP checks) with proofs from
 * our interceptor, and oauth4webapi (panva) gets DPoP tokens from the tenant
 * with its own proofs and calls our Fastify plugin with them.
 */
const gifts = devClient('GIFT_DELIVERIES')
let server: Awaited<ReturnType<typeof startLiveAuthServer>>
let api: FastifyInstance
let apiOrigin: string

beforeAll(async () => {
  server = await startLiveAuthServer()
  api = Fastify()
  await api.register(m2mAuth, {
    issuer: server.issuer,
    audience: 'urn:worldmappers',
    dpop: { mode: 'required' },
  })
  api.get('/api/directions', { config: { scopes: ['directions'] } }, async (req) => ({
    client: req.auth?.clientId,
  }))
  api.post('/api/echo', async (req) => ({ body: req.body }))
  apiOrigin = await api.listen({ port: 0, host: '127.0.0.1' })
}, 30_000)

afterAll(async () => {
  await api?.close()
  await server?.close()
})

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'))
}

describe('oauth4webapi (panva) as the DPoP client', () => {
  it('gets a DPoP token from the tenant and calls our plugin with its own proofs', async () => {
    const issuer = new URL(server.issuer)
    const options = { [oauth.allowInsecureRequests]: true }
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, options),
    )
    expect(as.dpop_signing_alg_values_supported).toContain('ES256')
    const client: oauth.Client = { client_id: gifts.clientId }
    const keyPair = (await webcrypto.subtle.generateKey(
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['sign', 'verify'],
    )) as webcrypto.CryptoKeyPair
    const DPoP = oauth.DPoP(client, keyPair)
    const grant = () =>
      oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretPost(gifts.clientSecret),
        { audience: 'urn:worldmappers' },
        { ...options, DPoP },
      )
    let result: oauth.TokenEndpointResponse
    try {
      result = await oauth.processClientCredentialsResponse(as, client, await grant())
    } catch (error) {
      // A tenant that asks for a nonce: the handle kept it, so the second try carries it.
      if (!oauth.isDPoPNonceError(error)) throw error
      result = await oauth.processClientCredentialsResponse(as, client, await grant())
    }
    expect(result.token_type).toBe('dpop')
    const publicJwk = await webcrypto.subtle.exportKey('jwk', keyPair.publicKey)
    expect(claimsOf(result.access_token).cnf).toEqual({ jkt: jwkThumbprint(publicJwk as never) })

    const call = (method: string, path: string, body?: string) =>
      oauth.protectedResourceRequest(
        result.access_token,
        method,
        new URL(`${apiOrigin}${path}`),
        new Headers(body ? { 'content-type': 'application/json' } : {}),
        body ?? null,
        { ...options, DPoP },
      )
    const directions = await call('GET', '/api/directions?destination=Lyon')
    expect(directions.status).toBe(200)
    expect(await directions.json()).toEqual({ client: gifts.clientId })
    const echo = await call('POST', '/api/echo', '{"gift":"a kite"}')
    expect(echo.status).toBe(200)
    expect(await echo.json()).toEqual({ body: { gift: 'a kite' } })

    // The same token without its proof is refused, with a DPoP challenge.
    const bare = await request(`${apiOrigin}/api/directions`, {
      headers: { authorization: `Bearer ${result.access_token}` },
    })
    expect(bare.statusCode).toBe(401)
    expect(String(bare.headers['www-authenticate'])).toMatch(/^DPoP /)
    await bare.body.dump()
  })
})

describe('express-oauth2-jwt-bearer as the DPoP resource server', () => {
  it('accepts our tenant’s DPoP tokens with proofs from our interceptor, and refuses them as Bearer', async () => {
    const app = express()
    app.use(
      auth({
        issuerBaseURL: server.issuer,
        audience: 'urn:worldmappers',
        tokenSigningAlg: 'RS256',
        dpop: { enabled: true, required: true },
      }),
    )
    app.get('/geocode', requiredScopes('geocode:location'), (req, res) => {
      res.json({
        sub: req.auth?.payload.sub,
        jkt: (req.auth?.payload.cnf as { jkt?: string })?.jkt,
      })
    })
    const listener = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    const origin = `http://127.0.0.1:${(listener.address() as { port: number }).port}`
    const tokens = createTokenProvider({
      issuer: server.issuer,
      ...gifts,
      audience: 'urn:worldmappers',
      dpop: true,
    })
    const dispatcher = new Agent().compose(createBearerInterceptor(tokens, { origins: [origin] }))
    try {
      for (let i = 0; i < 3; i++) {
        const ok = await request(`${origin}/geocode?q=${i}`, { dispatcher })
        expect(ok.statusCode).toBe(200)
        expect(await ok.body.json()).toEqual({
          sub: `${gifts.clientId}@clients`,
          jkt: tokens.dpopKey?.jkt,
        })
      }
      expect(tokens.metrics.tokenRequests).toBe(1)
      const { accessToken, tokenType } = await tokens.getAccessToken()
      expect(tokenType).toBe('DPoP')
      const asBearer = await request(`${origin}/geocode`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
      // With DPoP required, a Bearer scheme is a malformed request to it (400), with a DPoP challenge.
      expect(asBearer.statusCode).toBe(400)
      expect(String(asBearer.headers['www-authenticate'])).toMatch(/^DPoP algs="/)
      await asBearer.body.dump()
      // Our plugin takes the same token and proofs (the two agree on the checks).
      const ours = new Agent().compose(createBearerInterceptor(tokens, { origins: [apiOrigin] }))
      const mine = await request(`${apiOrigin}/api/directions`, { dispatcher: ours })
      expect(mine.statusCode).toBe(200)
      await mine.body.dump()
      await ours.close()
    } finally {
      await dispatcher.close()
      await tokens.close()
      await new Promise((resolve) => listener.close(resolve))
    }
  })

  it('binds to the key that signed the token request: ath and jkt as the RFC computes them', async () => {
    const tokens = createTokenProvider({
      issuer: server.issuer,
      ...gifts,
      audience: 'urn:worldmappers',
      dpop: true,
    })
    const { accessToken } = await tokens.getAccessToken()
    const claims = claimsOf(accessToken)
    expect(claims.cnf).toEqual({ jkt: tokens.dpopKey?.jkt })
    expect(tokens.dpopKey?.jkt).toBe(
      createHash('sha256')
        .update(
          JSON.stringify({
            crv: 'P-256',
            kty: 'EC',
            x: tokens.dpopKey?.publicJwk.x,
            y: tokens.dpopKey?.publicJwk.y,
          }),
        )
        .digest('base64url'),
    )
    await tokens.close()
  })
})

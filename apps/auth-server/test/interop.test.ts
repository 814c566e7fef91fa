import { Writable } from 'node:stream'
import { createServiceLogger } from '@m2m/auth'
import { m2mAuth } from '@m2m/auth/fastify'
import { createBearerInterceptor } from '@m2m/auth/http'
import { createTokenProvider } from '@m2m/auth/token'
import { createVerifier } from '@m2m/auth/verify'
import express from 'express'
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer'
import Fastify from 'fastify'
import * as oauth from 'oauth4webapi'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devClient, devKeywords, startLiveAuthServer } from './helpers/live-server.js'

const gifts = devClient('GIFT_DELIVERIES')
let logOutput = ''
let server: Awaited<ReturnType<typeof startLiveAuthServer>>
const issued: string[] = []

beforeAll(async () => {
  const logger = createServiceLogger({
    level: 'trace',
    destination: new Writable({
      write(chunk, _encoding, done) {
        logOutput += String(chunk)
        done()
      },
    }),
  })
  server = await startLiveAuthServer({ logger })
})
afterAll(async () => {
  await server.close()
})

describe('@m2m/auth against the real server, over HTTP', () => {
  it('gets a token through discovery and verifies it through the JWKS', async () => {
    const tokens = createTokenProvider({
      issuer: server.issuer,
      ...gifts,
      audience: 'urn:worldmappers',
    })
    const verifier = createVerifier({ issuer: server.issuer, audience: 'urn:worldmappers' })
    const token = await tokens.getToken()
    issued.push(token)
    const verified = await verifier.verify(token)
    expect(verified.clientId).toBe(gifts.clientId)
    expect([...verified.scopes]).toEqual([
      'geocode:location',
      'reverse-geocode:location',
      'directions',
    ])
    expect(verified.claims['https://m2m.example.com/client_name']).toBe('Gift Deliveries')
    await Promise.all([tokens.close(), verifier.close()])
  })

  it('runs the whole M2M flow: provider -> interceptor -> Fastify plugin with scopes', async () => {
    const api = Fastify()
    await api.register(m2mAuth, { issuer: server.issuer, audience: 'urn:worldmappers' })
    api.get('/api/directions', { config: { scopes: ['directions'] } }, async (req) => ({
      client: req.auth?.clientId,
    }))
    api.get('/api/admin', { config: { scopes: ['admin:everything'] } }, async () => ({}))
    const origin = await api.listen({ port: 0, host: '127.0.0.1' })

    const tokens = createTokenProvider({
      issuer: server.issuer,
      ...gifts,
      audience: 'urn:worldmappers',
    })
    const dispatcher = new Agent().compose(createBearerInterceptor(tokens, { origins: [origin] }))
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => request(`${origin}/api/directions`, { dispatcher })),
    )
    for (const answer of answers) {
      expect(answer.statusCode).toBe(200)
      expect(await answer.body.json()).toEqual({ client: gifts.clientId })
    }
    expect(tokens.metrics.tokenRequests).toBe(1)
    const forbidden = await request(`${origin}/api/admin`, { dispatcher })
    expect(forbidden.statusCode).toBe(403)
    expect(forbidden.headers['www-authenticate']).toContain('error="insufficient_scope"')
    await forbidden.body.dump()
    await Promise.all([tokens.close(), dispatcher.close(), api.close()])
  })

  it('counts one exchange for 1,000 concurrent callers, and retries through injected faults', async () => {
    const limited = devClient('LIMITED_MAPPER')
    await request(`${server.issuer}__test__/exchanges`, { method: 'DELETE' })
    const faults = [
      { target: 'token', drop: true, count: 1 },
      { target: 'token', status: 503, count: 1 },
    ]
    for (const fault of faults) {
      await request(`${server.issuer}__test__/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      })
    }
    const tokens = createTokenProvider({
      issuer: server.issuer,
      ...limited,
      audience: 'urn:worldmappers',
      retry: { baseDelayMs: 10 },
    })
    const all = await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()))
    expect(new Set(all).size).toBe(1)
    expect(tokens.metrics.tokenRequests).toBe(3)
    const counts = await (await request(`${server.issuer}__test__/exchanges`)).body.json()
    expect(counts).toEqual({ [limited.clientId]: { succeeded: 1, failed: 0 } })
    await tokens.close()
  })
})

describe('clients no one here wrote', () => {
  it('oauth4webapi obtains a token through discovery (client_secret_basic)', async () => {
    const issuer = new URL(server.issuer)
    const options = { [oauth.allowInsecureRequests]: true }
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, options),
    )
    const storefront = devClient('STOREFRONT')
    const client: oauth.Client = { client_id: storefront.clientId }
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(storefront.clientSecret),
      { audience: 'urn:gift-deliveries' },
      options,
    )
    const result = await oauth.processClientCredentialsResponse(as, client, response)
    expect(result.token_type).toBe('bearer')
    expect(result.expires_in).toBe(86_400)
    issued.push(result.access_token)
  })

  it('express-oauth2-jwt-bearer accepts our tokens and enforces their scopes', async () => {
    const app = express()
    app.use(
      auth({
        issuerBaseURL: server.issuer,
        audience: 'urn:worldmappers',
        tokenSigningAlg: 'RS256',
      }),
    )
    app.get('/geocode', requiredScopes('geocode:location'), (req, res) => {
      res.json({ sub: req.auth?.payload.sub })
    })
    app.get('/admin', requiredScopes('admin:everything'), (_req, res) => {
      res.json({})
    })
    const listener = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    const { port } = listener.address() as { port: number }
    const tokens = createTokenProvider({
      issuer: server.issuer,
      ...gifts,
      audience: 'urn:worldmappers',
    })
    const token = await tokens.getToken()
    const headers = { authorization: `Bearer ${token}` }
    const ok = await request(`http://127.0.0.1:${port}/geocode`, { headers })
    expect(ok.statusCode).toBe(200)
    expect(await ok.body.json()).toEqual({ sub: `${gifts.clientId}@clients` })
    const refused = await request(`http://127.0.0.1:${port}/admin`, { headers })
    expect(refused.statusCode).toBe(403)
    await refused.body.dump()
    await tokens.close()
    await new Promise((resolve) => listener.close(resolve))
  })
})

describe('logs', () => {
  it('never hold a client secret or an issued token', () => {
    expect(logOutput).toContain('incoming request')
    for (const secret of Object.entries(devKeywords).filter(([k]) => k.endsWith('SECRET'))) {
      expect(logOutput).not.toContain(secret[1])
    }
    expect(issued.length).toBeGreaterThan(0)
    for (const token of issued) {
      expect(logOutput).not.toContain(token)
      expect(logOutput).not.toContain(token.split('.')[2])
    }
  })
})

import { createDpopKey, createDpopProof, type DpopKey } from '@m2m/auth/dpop'
import { devTenantFile } from '@m2m/auth-server'
import { readTenantKeywords } from '@m2m/test-kit'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../src/app.js'
import { devPlacesFile, loadConfig } from '../src/config.js'
import { loadGazetteer } from '../src/geo/gazetteer.js'
import { ISSUER, startTenant } from './helpers/tenant.js'

// REQUIRE_DPOP=true: World Mappers takes only DPoP-bound tokens (RFC 9449) with a proof.
// The tokens come from the local tenant, whose World Mappers API allows DPoP: a token
// request with a proof gets a token bound to the proof's key (token_type DPoP, cnf.jkt).

const keywords = readTenantKeywords(devTenantFile)
/** What `app.inject()` requests are addressed to (light-my-request's default Host). */
const ORIGIN = 'http://localhost'

let tenant: Awaited<ReturnType<typeof startTenant>>
let app: FastifyInstance
let key: DpopKey

/** A client-credentials token for Gift Deliveries, bound to `dpopKey` when given. */
async function token(dpopKey?: DpopKey): Promise<{ access_token: string; token_type: string }> {
  const headers: Record<string, string> = {}
  if (dpopKey) {
    headers.dpop = createDpopProof(dpopKey, { htm: 'POST', htu: `${ISSUER}oauth/token` })
  }
  const res = await tenant.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers,
    payload: {
      grant_type: 'client_credentials',
      client_id: keywords.GIFT_DELIVERIES_CLIENT_ID,
      client_secret: keywords.GIFT_DELIVERIES_CLIENT_SECRET,
      audience: 'urn:worldmappers',
    },
  })
  if (res.statusCode !== 200) throw new Error(`the tenant issued no token: ${res.body}`)
  return res.json()
}

function dpopGet(url: string, accessToken: string, proofKey = key) {
  const htu = `${ORIGIN}${url.split('?')[0]}`
  const proof = createDpopProof(proofKey, { htm: 'GET', htu, accessToken })
  return app.inject({ url, headers: { authorization: `DPoP ${accessToken}`, dpop: proof } })
}

beforeAll(async () => {
  tenant = await startTenant()
  key = createDpopKey()
  const config = loadConfig({ REQUIRE_DPOP: 'true' })
  app = await buildApp({
    issuer: ISSUER,
    audience: config.audience,
    gazetteer: loadGazetteer({ placesFile: devPlacesFile }),
    depot: config.depot,
    verifier: tenant.verifier,
    // As main.ts passes it.
    dpop: { mode: config.dpopMode },
  })
  await app.placesLoaded
}, 60_000)

afterAll(async () => {
  await app?.close()
  await tenant?.close()
})

describe('REQUIRE_DPOP', () => {
  it('sets the plugin mode to required; allowed by default', () => {
    expect(loadConfig({ REQUIRE_DPOP: 'true' }).dpopMode).toBe('required')
    expect(loadConfig({ REQUIRE_DPOP: '1' }).dpopMode).toBe('required')
    expect(loadConfig({ REQUIRE_DPOP: 'false' }).dpopMode).toBe('allowed')
    expect(loadConfig({}).dpopMode).toBe('allowed')
    expect(() => loadConfig({ REQUIRE_DPOP: 'yes' })).toThrow('REQUIRE_DPOP')
  })

  it('refuses a Bearer token with a DPoP challenge', async () => {
    const bearer = await token()
    expect(bearer.token_type).toBe('Bearer')
    const res = await app.inject({
      url: '/api/me',
      headers: { authorization: `Bearer ${bearer.access_token}` },
    })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^DPoP algs="[A-Za-z0-9 ]+"$/)
    expect(res.json().error).toBe('unauthorized')
  })

  it('takes a DPoP-bound token from the tenant with a proof of its key', async () => {
    const bound = await token(key)
    expect(bound.token_type).toBe('DPoP')
    const res = await dpopGet('/api/me', bound.access_token)
    expect(res.statusCode).toBe(200)
    expect(res.json().tokenPayload.cnf).toEqual({ jkt: key.jkt })

    const geocode = await dpopGet('/api/location/geocode?address=Paris', bound.access_token)
    expect(geocode.statusCode).toBe(200)
  })

  it('refuses that token with a proof signed by another key', async () => {
    const bound = await token(key)
    const res = await dpopGet('/api/me', bound.access_token, createDpopKey())
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token", /)
  })

  it('refuses that token sent as Bearer', async () => {
    const bound = await token(key)
    const res = await app.inject({
      url: '/api/me',
      headers: { authorization: `Bearer ${bound.access_token}` },
    })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^DPoP algs=/)
  })
})

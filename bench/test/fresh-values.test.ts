import { generateKeyPairSync } from 'node:crypto'
import {
  createDpopKey,
  createMemoryReplayCache,
  DEFAULT_MAX_AGE_SECONDS,
  verifyDpopProof,
} from '@m2m/auth/dpop'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  fillPool,
  MAX_POOL_AGE_MS,
  maker,
  recordRate,
  takeFresh,
} from '../src/load/fresh-values.js'
import type { FreshSpec } from '../src/load/load-job.js'
import {
  BENCH_AUDIENCE,
  type BenchTenant,
  CLIENTS,
  issuanceClientKey,
} from '../src/runner/bench-tenant.js'
import { startInProcessTenant } from './helpers/in-process-tenant.js'

const key = createDpopKey({ alg: 'ES256' })
const accessToken = 'header.payload.signature'
const htu = 'http://127.0.0.1:1234/resource'
const dpopSpec = (pool: string, initialRatePerSecond = 50): FreshSpec => ({
  kind: 'dpop',
  pool,
  privateKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  htm: 'GET',
  htu,
  accessToken,
  initialRatePerSecond,
})

describe('pools of single-use values (DPoP proofs, client assertions)', () => {
  it('hands out every value once, then makes new ones on the spot and counts them', () => {
    const spec = dpopSpec('once')
    // 50/s for 1 s, with the margin: 50 * 1.5 + 100.
    expect(fillPool(spec, 1).made).toBe(175)
    const counter = { madeDuringRun: 0 }
    const taken = Array.from({ length: 200 }, () => takeFresh('once', counter))
    expect(new Set(taken).size).toBe(200)
    expect(counter.madeDuringRun).toBe(25)
  })

  it('keeps fresh leftovers and sizes the next fill for the rate measured', () => {
    const spec = dpopSpec('sized')
    fillPool(spec, 1)
    const counter = { madeDuringRun: 0 }
    for (let i = 0; i < 60; i++) takeFresh('sized', counter)
    expect(fillPool(spec, 1).made).toBe(60)
    // 100/s measured: 100 * 1.5 + 100 = 250 wanted, 175 kept.
    recordRate('sized', 100)
    expect(fillPool(spec, 1).made).toBe(75)
    recordRate('sized', 80)
    expect(fillPool(spec, 1).made).toBe(0)
    // Never below the spec's initial rate: 200 * 1.5 + 100, though 100/s were measured.
    const floor = dpopSpec('floor', 200)
    fillPool(floor, 0)
    recordRate('floor', 100)
    for (let i = 0; i < 100; i++) takeFresh('floor', counter)
    expect(fillPool(floor, 1).made).toBe(400)
    expect(counter.madeDuringRun).toBe(0)
  })

  it('drops its proofs before the server finds them too old, leaving half its window for the fill and the run', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const start = Date.now()
      const spec = dpopSpec('aging')
      expect(fillPool(spec, 1).made).toBe(175)
      // The last fill that keeps them: the oldest is as old as a pool may be…
      vi.setSystemTime(start + MAX_POOL_AGE_MS.dpop)
      expect(fillPool(spec, 1).made).toBe(0)
      // …and still accepted after the rest of the server's window, less a second.
      vi.setSystemTime(start + DEFAULT_MAX_AGE_SECONDS * 1000 - 1000)
      const kept = takeFresh('aging', { madeDuringRun: 0 })
      const replay = createMemoryReplayCache()
      const expected = { htm: 'GET', htu, accessToken, jkt: key.jkt, replay, now: Date.now() }
      await expect(verifyDpopProof(kept, expected)).resolves.toMatchObject({ jkt: key.jkt })
      // A moment older, and the next fill starts the pool over.
      vi.setSystemTime(start + MAX_POOL_AGE_MS.dpop + 1)
      expect(fillPool(spec, 1).made).toBe(175)
      expect(MAX_POOL_AGE_MS.dpop).toBe((DEFAULT_MAX_AGE_SECONDS * 1000) / 2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('a pool never filled is an error, not a reused value', () => {
    expect(() => takeFresh('never', { madeDuringRun: 0 })).toThrow('call prepare first')
  })

  it('makes DPoP proofs that verifyDpopProof accepts for the token and the route, each with its own jti', async () => {
    const make = maker(dpopSpec('proofs'))
    const replay = createMemoryReplayCache()
    const jtis = new Set<string>()
    for (let i = 0; i < 20; i++) {
      const proof = await verifyDpopProof(make(), {
        htm: 'GET',
        htu,
        accessToken,
        jkt: key.jkt,
        replay,
      })
      jtis.add(proof.jti)
    }
    expect(jtis.size).toBe(20)
  })
})

describe('client assertions at the bench tenant (private_key_jwt)', () => {
  let tenant: BenchTenant
  beforeAll(async () => {
    tenant = await startInProcessTenant()
  })
  afterAll(async () => {
    await tenant.stop()
  })

  const spec = (privateKeyPem: string): FreshSpec => ({
    kind: 'client-assertion',
    pool: 'assertions',
    privateKeyPem,
    clientId: CLIENTS.issuanceKey,
    audience: `${new URL(tenant.issuer).origin}/`,
    form: {
      grant_type: 'client_credentials',
      client_id: CLIENTS.issuanceKey,
      audience: BENCH_AUDIENCE,
    },
    initialRatePerSecond: 1,
  })
  const post = async (body: string) => {
    const response = await request(`${tenant.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    await response.body.dump()
    return response.statusCode
  }

  it('a body with a new assertion gets a token once; the same again, or another key, gets 401', async () => {
    const make = maker(spec(issuanceClientKey().privateKeyPem))
    const body = make()
    expect(await post(body)).toBe(200)
    expect(await post(body)).toBe(401)
    expect(await post(make())).toBe(200)
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString()
    expect(await post(maker(spec(stranger))())).toBe(401)
  })
})

import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDpopKey, type DpopKey } from '../src/dpop/index.js'
import { createServerNonces } from '../src/dpop/server-nonces.js'
import {
  bearerHeaders,
  buildDpopApp,
  dpopAndBearer,
  dpopHeaders,
  proofFor,
  proofRefused,
} from './fastify-dpop-harness.js'
import { createTestIssuer, type TestIssuer } from './helpers/fake-verifier.js'

const WINDOW_S = 60
const SECRET = 'a shared secret of at least 32 bytes, for replicas'
const USE_NONCE = proofRefused('the server requires a current nonce in the DPoP proof')

let issuer: TestIssuer
let key: DpopKey
/** The clock of every app here, in ms; tests move it. */
let clock = Date.now()
let app: FastifyInstance
let replica: FastifyInstance
let stranger: FastifyInstance

const nonceOptions = (secret = SECRET) => ({
  dpop: { nonce: { secret, windowSeconds: WINDOW_S }, now: () => clock },
})

beforeAll(async () => {
  issuer = createTestIssuer()
  key = createDpopKey()
  app = await buildDpopApp(issuer.verifier(), nonceOptions())
  replica = await buildDpopApp(issuer.verifier(), nonceOptions())
  stranger = await buildDpopApp(
    issuer.verifier(),
    nonceOptions('another secret, also 32 bytes or more'),
  )
})

afterAll(async () => {
  await Promise.all([app.close(), replica.close(), stranger.close()])
})

function send(target: FastifyInstance, nonce?: string) {
  const token = issuer.sign({ cnf: { jkt: key.jkt } })
  const proof = proofFor(key, { token, nonce, now: clock })
  return target.inject({ url: '/me', headers: dpopHeaders(token, proof) })
}

describe('the nonce dance (RFC 9449 §9)', () => {
  it('asks for a nonce, then admits the proof that carries it', async () => {
    const first = await send(app)
    expect(first.statusCode).toBe(401)
    expect(first.headers['www-authenticate']).toBe(dpopAndBearer('use_dpop_nonce', USE_NONCE))
    expect(first.json()).toEqual({ error: 'use_dpop_nonce', error_description: USE_NONCE })
    const nonce = first.headers['dpop-nonce']
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const second = await send(app, nonce as string)
    expect(second.statusCode).toBe(200)
    expect(second.headers['dpop-nonce']).toBe(nonce)
  })

  it('refuses a nonce the server never issued', async () => {
    const response = await send(app, 'made-up-nonce')
    expect(response.statusCode).toBe(401)
    expect(response.json().error).toBe('use_dpop_nonce')
    expect(response.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('accepts a nonce in the next window, sending the new one, and not after', async () => {
    const start = clock
    try {
      const nonce = (await send(app)).headers['dpop-nonce'] as string
      clock += WINDOW_S * 1000
      const next = await send(app, nonce)
      expect(next.statusCode).toBe(200)
      const fresh = next.headers['dpop-nonce']
      expect(fresh).not.toBe(nonce)

      clock += WINDOW_S * 1000
      const stale = await send(app, nonce)
      expect(stale.statusCode).toBe(401)
      expect(stale.json().error).toBe('use_dpop_nonce')
      expect(stale.headers['dpop-nonce']).not.toBe(nonce)
    } finally {
      clock = start
    }
  })

  it('is shared by replicas with the same secret, with no shared state', async () => {
    const nonce = (await send(app)).headers['dpop-nonce'] as string
    expect((await send(replica, nonce)).statusCode).toBe(200)
    const other = await send(stranger, nonce)
    expect(other.statusCode).toBe(401)
    expect(other.json().error).toBe('use_dpop_nonce')
  })

  it('leaves Bearer requests alone', async () => {
    const response = await app.inject({ url: '/me', headers: bearerHeaders(issuer.sign()) })
    expect(response.statusCode).toBe(200)
    expect(response.headers['dpop-nonce']).toBeUndefined()
  })

  it('is off by default', async () => {
    const plain = await buildDpopApp(issuer.verifier())
    const response = await send(plain)
    await plain.close()
    expect(response.statusCode).toBe(200)
    expect(response.headers['dpop-nonce']).toBeUndefined()
  })

  it('uses a random secret per process when none is given', async () => {
    const a = await buildDpopApp(issuer.verifier(), { dpop: { nonce: {} } })
    const b = await buildDpopApp(issuer.verifier(), { dpop: { nonce: {} } })
    const nonce = (await send(a)).headers['dpop-nonce'] as string
    const own = await send(a, nonce)
    const foreign = await send(b, nonce)
    await Promise.all([a.close(), b.close()])
    expect(own.statusCode).toBe(200)
    expect(foreign.statusCode).toBe(401)
  })
})

describe('createServerNonces', () => {
  it('accepts a nonce in its window and the next only (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: -7_200_000, max: 7_200_000 }),
        (issuedAt, windowSeconds, delta) => {
          let now = issuedAt
          const windowMs = windowSeconds * 1000
          const nonces = createServerNonces({
            secret: Buffer.from(SECRET),
            windowMs,
            now: () => now,
          })
          const nonce = nonces.current()
          now = issuedAt + delta
          const age = Math.floor(now / windowMs) - Math.floor(issuedAt / windowMs)
          return nonces.isValid(nonce) === (age === 0 || age === 1)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('derives nonces of the same length that differ between windows and secrets', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (window) => {
        const at = (secret: string, w: number) =>
          createServerNonces({
            secret: Buffer.from(secret),
            windowMs: 1000,
            now: () => w * 1000,
          }).current()
        const a = at(SECRET, window)
        return (
          a.length === 43 &&
          a !== at(SECRET, window + 1) &&
          a !== at(`${SECRET}!`, window) &&
          a === at(SECRET, window)
        )
      }),
      { numRuns: 100 },
    )
  })

  it('refuses any string that is not a current nonce (property)', () => {
    const nonces = createServerNonces({
      secret: Buffer.from(SECRET),
      windowMs: 60_000,
      now: () => 0,
    })
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (guess) => !nonces.isValid(guess)),
      { numRuns: 300 },
    )
  })
})

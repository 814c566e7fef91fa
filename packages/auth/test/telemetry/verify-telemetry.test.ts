import { describe, expect, it } from 'vitest'
import { TokenClaimError, TokenExpiredError } from '../../src/errors.js'
import {
  DURATION_BUCKETS_SECONDS,
  METRIC_JWKS_FETCH_DURATION,
  METRIC_JWKS_FETCHES,
  METRIC_JWT_VERIFICATIONS,
  VERIFICATION_REASONS,
} from '../../src/telemetry/index.js'
import { verificationReason } from '../../src/telemetry/verification-reason.js'
import { generateRsaKey } from '../helpers/jwks-server.js'
import { flipSignatureBit, forgeJwt } from '../helpers/sign-jwt.js'
import { harnessPerTest, type VerifyHarness } from '../helpers/verify-harness.js'
import { otelPerTest } from './otel-harness.js'

const key = generateRsaKey('key-1')
const stranger = generateRsaKey('key-2')
const h = harnessPerTest(key)
const otel = otelPerTest()

const seconds = () => Math.floor(Date.now() / 1000)
const verifier = () => h.verifier({ telemetry: otel.telemetry })

describe('m2m.jwt.verifications: valid tokens', () => {
  it('counts every verification, the cached ones (verify and verifyCached) included', async () => {
    const v = verifier()
    const token = h.sign(key)
    await v.verify(token)
    await v.verify(token)
    expect(v.verifyCached(token)).toBeDefined()
    expect(v.verifyCached(h.sign(key, { jti: 'never-verified' }))).toBeUndefined()
    expect(
      await otel.value(METRIC_JWT_VERIFICATIONS, { outcome: 'valid', token_type: 'Bearer' }),
    ).toBe(3)
    const metric = await otel.metric(METRIC_JWT_VERIFICATIONS)
    expect(metric.descriptor.unit).toBe('{token}')
  })

  it('reports a token bound to a DPoP key (cnf.jkt) as DPoP', async () => {
    const v = verifier()
    const token = h.sign(key, { cnf: { jkt: 'thumbprint' } })
    await v.verify(token)
    v.verifyCached(token)
    expect(
      await otel.value(METRIC_JWT_VERIFICATIONS, { outcome: 'valid', token_type: 'DPoP' }),
    ).toBe(2)
  })
})

describe('m2m.jwt.verifications: the reason of an invalid token', () => {
  const cases: Array<[string, (h: VerifyHarness) => string, string]> = [
    ['an expired token', (h) => h.sign(key, { exp: seconds() - 3600 }), 'expired'],
    ['a token not valid yet (nbf)', (h) => h.sign(key, { nbf: seconds() + 3600 }), 'not_yet_valid'],
    ['a flipped signature bit', (h) => flipSignatureBit(h.sign(key)), 'signature'],
    ['another API’s token', (h) => h.sign(key, { aud: 'urn:other' }), 'audience'],
    ['another issuer’s token', (h) => h.sign(key, { iss: 'https://evil.example/' }), 'issuer'],
    ['a scope claim that is not a string', (h) => h.sign(key, { scope: ['a'] }), 'claim'],
    ['text that is not a JWT', () => 'not-a-jwt', 'malformed'],
    [
      'an algorithm not allowed (HS256)',
      (h) => forgeJwt({ alg: 'HS256', kid: 'key-1' }, h.claims()),
      'algorithm',
    ],
    ['a key the JWKS does not have', (h) => h.sign(stranger), 'unknown_kid'],
  ]
  for (const [name, make, reason] of cases) {
    it(`${name}: ${reason}`, async () => {
      await expect(verifier().verify(make(h))).rejects.toThrow()
      expect(await otel.value(METRIC_JWT_VERIFICATIONS, { outcome: 'invalid', reason })).toBe(1)
    })
  }

  it('keys that cannot be fetched: jwks_unavailable', async () => {
    h.server.setMode('error')
    await expect(verifier().verify(h.sign(key))).rejects.toThrow()
    expect(
      await otel.value(METRIC_JWT_VERIFICATIONS, {
        outcome: 'invalid',
        reason: 'jwks_unavailable',
      }),
    ).toBe(1)
  })

  it('maps every AUTH_ERR_* code a verifier throws, and anything else to error', () => {
    expect(verificationReason(new TokenExpiredError('x'))).toBe('expired')
    expect(verificationReason(new TokenClaimError('The iss claim is required.'))).toBe('issuer')
    expect(verificationReason(new TokenClaimError('None of aud claim values are allowed.'))).toBe(
      'audience',
    )
    expect(verificationReason(new TokenClaimError('The sub claim is required.'))).toBe('claim')
    expect(verificationReason(new Error('boom'))).toBe('error')
    expect(verificationReason(undefined)).toBe('error')
    expect(Object.values(VERIFICATION_REASONS)).toContain('unknown_kid')
  })
})

describe('m2m.jwks.fetches and m2m.jwks.fetch.duration', () => {
  it('counts fetches by outcome, with their duration', async () => {
    const v = verifier()
    await v.verify(h.sign(key))
    expect(await otel.value(METRIC_JWKS_FETCHES, { outcome: 'success' })).toBe(1)
    const duration = await otel.histogram(METRIC_JWKS_FETCH_DURATION, { outcome: 'success' })
    expect(duration?.count).toBe(1)
    expect(duration?.buckets.boundaries).toEqual(DURATION_BUCKETS_SECONDS)

    h.server.setMode('error')
    h.advance(60_000) // past the cooldown: a new kid may trigger a fetch
    await expect(v.verify(h.sign(stranger))).rejects.toThrow()
    expect(await otel.value(METRIC_JWKS_FETCHES, { outcome: 'failure' })).toBe(1)
    expect((await otel.histogram(METRIC_JWKS_FETCH_DURATION, { outcome: 'failure' }))?.count).toBe(
      1,
    )
  })
})

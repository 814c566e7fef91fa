import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createDpopKey,
  createDpopProof,
  createMemoryReplayCache,
  type DpopKey,
  verifyDpopProof,
} from '../src/dpop/index.js'

const htu = 'https://api.example.com/things'
const accessToken = 'an-access-token'

/** A proof whose signature is another proof's: well formed, and wrong for its own content. */
function withForeignSignature(proof: string, other: string): string {
  const [header, payload] = proof.split('.')
  return `${header}.${payload}.${other.split('.')[2]}`
}

function check(proof: string, key: DpopKey, replay = createMemoryReplayCache()) {
  return verifyDpopProof(proof, { htm: 'GET', htu, accessToken, jkt: key.jkt, replay })
}

describe('the signature checks of one turn run together, each with its own verdict', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  const keys = [
    createDpopKey({ alg: 'ES256' }),
    createDpopKey({ alg: 'RS256' }),
    createDpopKey({ alg: 'PS256' }),
    createDpopKey({ alg: 'EdDSA' }),
  ]

  it('refuses exactly the proofs whose signature is wrong, among hundreds checked at once', async () => {
    const replay = createMemoryReplayCache()
    const cases = Array.from({ length: 400 }, (_, i) => {
      const key = keys[i % keys.length] as DpopKey
      const proof = createDpopProof(key, { htm: 'GET', htu, accessToken })
      const forged = i % 7 === 3
      const other = createDpopProof(key, { htm: 'GET', htu, accessToken })
      return { key, proof: forged ? withForeignSignature(proof, other) : proof, forged }
    })
    const verdicts = await Promise.allSettled(cases.map((c) => check(c.proof, c.key, replay)))
    verdicts.forEach((verdict, i) => {
      const c = cases[i] as (typeof cases)[number]
      if (c.forged) {
        expect(verdict.status).toBe('rejected')
        expect((verdict as PromiseRejectedResult).reason.message).toMatch(
          /the signature does not verify/,
        )
      } else {
        expect(verdict).toMatchObject({ status: 'fulfilled', value: { jkt: c.key.jkt } })
      }
    })
    expect(cases.filter((c) => c.forged)).toHaveLength(57)
  })

  it('keeps each verdict its own whatever the mix (property)', async () => {
    const key = keys[0] as DpopKey
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }), async (forged) => {
        const proofs = forged.map((bad) => {
          const proof = createDpopProof(key, { htm: 'GET', htu, accessToken })
          return bad
            ? withForeignSignature(proof, createDpopProof(key, { htm: 'GET', htu, accessToken }))
            : proof
        })
        const verdicts = await Promise.allSettled(proofs.map((proof) => check(proof, key)))
        expect(verdicts.map((v) => v.status === 'rejected')).toEqual(forged)
      }),
      { seed: 2026, numRuns: 40 },
    )
  })

  it('is not held back by fake timers installed after it loaded', async () => {
    const key = keys[0] as DpopKey
    const proof = createDpopProof(key, { htm: 'GET', htu, accessToken })
    vi.useFakeTimers()
    await expect(check(proof, key)).resolves.toMatchObject({ jkt: key.jkt })
  }, 5_000)
})

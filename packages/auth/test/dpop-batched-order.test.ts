import type * as crypto from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import {
  createDpopKey,
  createDpopProof,
  createMemoryReplayCache,
  verifyDpopProof,
} from '../src/dpop/index.js'

// verifyDpopProof's signature checks, seen from node:crypto: when and how many.
const checks = vi.hoisted(() => ({ calls: 0, throwFor: undefined as Buffer | undefined }))
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>()
  return {
    ...original,
    verify: (...args: Parameters<typeof original.verify>) => {
      checks.calls++
      if (checks.throwFor && Buffer.compare(args[3] as Buffer, checks.throwFor) === 0) {
        throw new Error('an error inside crypto.verify')
      }
      return original.verify(...args)
    },
  }
})

const htu = 'https://api.example.com/things'
const accessToken = 'an-access-token'
const key = createDpopKey({ alg: 'ES256' })
const replay = createMemoryReplayCache()
const check = (proof: string) =>
  verifyDpopProof(proof, { htm: 'GET', htu, accessToken, jkt: key.jkt, replay })

describe('verifyDpopProof checks the signatures of one turn together, after it', () => {
  it('checks none inside the caller turn, then all of them', async () => {
    const proofs = Array.from({ length: 50 }, () =>
      createDpopProof(key, { htm: 'GET', htu, accessToken }),
    )
    checks.calls = 0
    const verdicts = proofs.map((proof) => check(proof))
    // The microtasks of this turn run too: still none checked.
    await Promise.resolve()
    await Promise.resolve()
    expect(checks.calls).toBe(0)
    await Promise.all(verdicts)
    expect(checks.calls).toBe(50)
  })

  it('refuses only the proof whose check threw', async () => {
    const proofs = Array.from({ length: 5 }, () =>
      createDpopProof(key, { htm: 'GET', htu, accessToken }),
    )
    checks.throwFor = Buffer.from((proofs[2] as string).split('.')[2] as string, 'base64url')
    try {
      const verdicts = await Promise.allSettled(proofs.map((proof) => check(proof)))
      expect(verdicts.map((v) => v.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ])
      expect((verdicts[2] as PromiseRejectedResult).reason.message).toMatch(
        /the signature does not verify/,
      )
    } finally {
      checks.throwFor = undefined
    }
  })
})

import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokenCacheKey } from '../src/verify/token-cache-key.js'

const SIGNATURES = 200_000

/** A signature's base64url text, fixed by `seed`: `bytes` of SHA-512 output. */
function signature(seed: number, bytes: 64 | 256): string {
  const blocks: Buffer[] = []
  for (let block = 0; block * 64 < bytes; block++) {
    blocks.push(createHash('sha512').update(`${seed}.${block}`).digest())
  }
  return Buffer.concat(blocks).toString('base64url')
}

/** How many of the keys repeat one seen before. */
function repeats(keys: Iterable<number>): number {
  const seen = new Set<number>()
  let repeated = 0
  for (const key of keys) {
    if (seen.has(key)) repeated++
    else seen.add(key)
  }
  return repeated
}

describe('the verified-token cache key', () => {
  it('is a 30-bit non-negative integer for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (token) => {
        const key = tokenCacheKey(token)
        expect(Number.isInteger(key) && key >= 0 && key < 2 ** 30).toBe(true)
      }),
      { numRuns: 2_000, seed: 15 },
    )
  })

  it('depends on the last eight characters only', () => {
    const token = `${signature(1, 64)}`
    const otherStart = `x${token.slice(1)}`
    expect(tokenCacheKey(otherStart)).toBe(tokenCacheKey(token))
    expect(tokenCacheKey(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).not.toBe(
      tokenCacheKey(token),
    )
  })

  // An ideal 30-bit hash repeats C(n, 2) / 2^30 keys among n: about 18.6 for 200,000.
  // The last character of an RS256 or ES256 signature carries 2 bits only (256 and 64
  // bytes are not multiples of 3), so a key of it alone would repeat far more.
  for (const [name, bytes] of [
    ['RS256 (256 bytes)', 256],
    ['ES256 (64 bytes)', 64],
  ] as const) {
    it(`repeats no more keys than twice an ideal 30-bit hash over ${SIGNATURES.toLocaleString('en')} ${name} signatures`, () => {
      const ideal = (SIGNATURES * (SIGNATURES - 1)) / 2 / 2 ** 30
      const keys = Array.from({ length: SIGNATURES }, (_, seed) =>
        tokenCacheKey(signature(seed, bytes)),
      )
      expect(repeats(keys)).toBeLessThanOrEqual(2 * ideal)
    })
  }
})

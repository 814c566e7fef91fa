import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'

// Secret comparison must not exit early: every comparison goes through
// crypto.timingSafeEqual on buffers of equal length (scrypt outputs or SHA-256
// digests), whatever the presented secret's length. Proven by watching the
// calls, not by timing (this machine is too noisy for timed assertions).

const calls = vi.hoisted(() => [] as Array<[number, number]>)
const scrypts = vi.hoisted(() => ({ count: 0 }))
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>()
  return {
    ...crypto,
    scrypt: (...args: Parameters<typeof crypto.scrypt>) => {
      scrypts.count += 1
      return (crypto.scrypt as (...a: unknown[]) => void)(...args)
    },
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([a.byteLength, b.byteLength])
      return crypto.timingSafeEqual(a, b)
    },
  }
})

const { createSecretChecker, hashSecret } = await import('../../src/secrets.js')

describe('client secret comparison', () => {
  const secret = 'the-right-secret-0123456789abcdefghijklmnopqrstuvwxyz'

  for (const [name, presented] of [
    ['a wrong secret of the same length', secret.replace(/.$/, '!')],
    ['a one-character secret', 'x'],
    ['a 10 KB secret', 'x'.repeat(10_240)],
    ['an empty secret', ''],
  ] as const) {
    it(`compares ${name} with timingSafeEqual on equal-length 32-byte buffers`, async () => {
      const check = createSecretChecker()
      const stored = await hashSecret(secret)
      calls.length = 0
      expect(await check(stored, presented)).toBe(false)
      expect(calls).toEqual([[32, 32]])
    })
  }

  it('compares a remembered secret through SHA-256 digests, in constant time too', async () => {
    const check = createSecretChecker()
    const stored = await hashSecret(secret)
    expect(await check(stored, secret)).toBe(true)
    calls.length = 0
    expect(await check(stored, secret)).toBe(true) // the cached digest path
    expect(await check(stored, 'wrong')).toBe(false) // digest mismatch, then full scrypt
    expect(calls).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
    ])
  })

  it('pays scrypt for an unknown client too (no early answer that tells ids apart)', async () => {
    const check = createSecretChecker()
    await check(await hashSecret(secret), 'warm-up')
    scrypts.count = 0
    expect(await check(undefined, secret)).toBe(false)
    expect(scrypts.count).toBe(1)
  })

  it('has no == / === on secrets or hashes in its source (code review, kept by a test)', () => {
    const source = readFileSync(new URL('../../src/secrets.ts', import.meta.url), 'utf8')
    expect(source).not.toMatch(/(presented|secret|digest|actual|expected|known)\s*[!=]==?\s/)
    expect(source).not.toMatch(/\.equals\(/)
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'

// Secret comparison must not exit early: every comparison goes through
// crypto.timingSafeEqual on buffers of equal length (scrypt outputs or SHA-256
// digests), whatever the presented secret's length. Proven by watching the
// calls, not by timing (this machine is too noisy for timed assertions).

const calls = vi.hoisted(() => [] as Array<[number, number]>)
const scrypts = vi.hoisted(() => ({ count: 0 }))
/** While `held` is a list, each finished scrypt's callback waits in it until the test runs it. */
const gate = vi.hoisted(() => ({ held: undefined as Array<() => void> | undefined }))
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>()
  return {
    ...crypto,
    scrypt: (...args: unknown[]) => {
      scrypts.count += 1
      const callback = args.pop() as (...result: unknown[]) => void
      const held = (...result: unknown[]) => {
        if (gate.held) gate.held.push(() => callback(...result))
        else callback(...result)
      }
      return (crypto.scrypt as (...a: unknown[]) => void)(...args, held)
    },
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([a.byteLength, b.byteLength])
      return crypto.timingSafeEqual(a, b)
    },
  }
})

const { createSecretChecker, generateClientSecret, hashGeneratedSecret, hashSecret } = await import(
  '../../src/secrets.js'
)

/** Settles `answer` with every scrypt's callback held: true if it settled before its scrypt finished. */
async function answersBeforeScrypt(answer: () => Promise<boolean>): Promise<boolean> {
  gate.held = []
  let settled = false
  const pending = answer().finally(() => {
    settled = true
  })
  try {
    // Long enough for a scrypt of N = 16384 to finish on the thread pool many times over.
    for (let i = 0; i < 200 && gate.held.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(gate.held.length).toBeGreaterThan(0)
    for (let i = 0; i < 10; i++) await new Promise(setImmediate)
    return settled
  } finally {
    const held = gate.held
    gate.held = undefined
    for (const run of held) run()
    expect(await pending).toBe(false)
  }
}

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

  it('answers an unknown client only once its scrypt has run, as a wrong secret is answered', async () => {
    const check = createSecretChecker()
    const stored = await hashSecret(secret)
    await check(stored, 'warm-up') // makes the dummy hash
    expect(await answersBeforeScrypt(() => check(undefined, secret))).toBe(false)
    expect(await answersBeforeScrypt(() => check(stored, 'wrong'))).toBe(false)
  })

  it('answers a wrong generated secret (sha256$) only once a scrypt has run, and compares digests in constant time', async () => {
    const check = createSecretChecker()
    const generated = generateClientSecret()
    const stored = hashGeneratedSecret(generated)
    await check(await hashSecret(secret), 'warm-up')
    calls.length = 0
    expect(await check(stored, generated)).toBe(true)
    expect(calls).toEqual([[32, 32]])
    expect(await answersBeforeScrypt(() => check(stored, `${generated}x`))).toBe(false)
  })

  it('has no == / === on secrets or hashes in its source (code review, kept by a test)', () => {
    const source = readFileSync(new URL('../../src/secrets.ts', import.meta.url), 'utf8')
    expect(source).not.toMatch(/(presented|secret|digest|actual|expected|known)\s*[!=]==?\s/)
    expect(source).not.toMatch(/\.equals\(/)
  })
})

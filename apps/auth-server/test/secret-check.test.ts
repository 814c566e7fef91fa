import { describe, expect, it, vi } from 'vitest'

// A client's first burst of concurrent token requests (say 50 workers starting
// at once) must cost one scrypt, not 50: concurrent checks of the same secret
// against the same stored hash share one run. Counted, not timed.

const scrypts = vi.hoisted(() => ({ count: 0 }))
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>()
  return {
    ...crypto,
    scrypt: (...args: Parameters<typeof crypto.scrypt>) => {
      scrypts.count += 1
      return (crypto.scrypt as (...a: unknown[]) => void)(...args)
    },
  }
})

const { createSecretChecker, generateClientSecret, hashGeneratedSecret, hashSecret } = await import(
  '../src/secrets.js'
)
const { buildTestServer, tokenRequest } = await import('./helpers/test-server.js')

const SECRET = 'right-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const concurrently = (n: number, call: () => Promise<boolean>) =>
  Promise.all(Array.from({ length: n }, call))

async function setUp() {
  const check = createSecretChecker()
  const stored = await hashSecret(SECRET)
  await check(await hashSecret('warm-up-the-dummy-hash-000000000000'), 'x') // the dummy hash, once
  scrypts.count = 0
  return { check, stored }
}

describe('secret check: single flight', () => {
  it('runs scrypt once for 50 concurrent cold checks of the right secret, then not at all', async () => {
    const { check, stored } = await setUp()
    expect(await concurrently(50, () => check(stored, SECRET))).toEqual(Array(50).fill(true))
    expect(scrypts.count).toBe(1)
    expect(await check(stored, SECRET)).toBe(true) // remembered
    expect(scrypts.count).toBe(1)
  })

  it('runs scrypt once for 50 concurrent checks of one wrong secret, all refused', async () => {
    const { check, stored } = await setUp()
    expect(await concurrently(50, () => check(stored, 'wrong-secret'))).toEqual(
      Array(50).fill(false),
    )
    expect(scrypts.count).toBe(1)
    // a failure is not remembered: the next attempt pays scrypt again
    expect(await check(stored, 'wrong-secret')).toBe(false)
    expect(scrypts.count).toBe(2)
  })

  it('shares a run only between the same secret and the same stored hash', async () => {
    const { check, stored } = await setUp()
    const other = await hashSecret(SECRET) // the same secret, another client (another salt)
    scrypts.count = 0
    const [right, wrong, otherClient] = await Promise.all([
      check(stored, SECRET),
      check(stored, 'wrong-secret'),
      check(other, SECRET),
    ])
    expect([right, wrong, otherClient]).toEqual([true, false, true])
    expect(scrypts.count).toBe(3)
  })

  it('never lets an unknown client in, even beside a known one presenting the same secret', async () => {
    const { check, stored } = await setUp()
    const [unknown, known] = await Promise.all([check(undefined, SECRET), check(stored, SECRET)])
    expect(unknown).toBe(false)
    expect(known).toBe(true)
    expect(await check(undefined, SECRET)).toBe(false)
  })

  it('stops accepting the old secret once it is rotated (new stored hash)', async () => {
    const { check, stored } = await setUp()
    expect(await check(stored, SECRET)).toBe(true)
    const rotated = await hashSecret('the-new-secret-0123456789abcdefghijklmnopqrstuvwxyz')
    scrypts.count = 0
    expect(await check(rotated, SECRET)).toBe(false)
    expect(await check(rotated, 'the-new-secret-0123456789abcdefghijklmnopqrstuvwxyz')).toBe(true)
    expect(scrypts.count).toBe(2)
  })

  it('forgets the least recently verified secret when full, not every one (no cliff)', async () => {
    const check = createSecretChecker(3)
    const secrets = ['one', 'two', 'three', 'four'].map(
      (n) => `${n}-0123456789abcdefghijklmnopqrstuvwxyz`,
    )
    const stored = await Promise.all(secrets.map((secret) => hashSecret(secret)))
    await check(await hashSecret('warm-up-the-dummy-hash-000000000000'), 'x')
    scrypts.count = 0
    for (let i = 0; i < 4; i++) expect(await check(stored[i], secrets[i] as string)).toBe(true)
    expect(scrypts.count).toBe(4)
    for (const i of [1, 2, 3]) expect(await check(stored[i], secrets[i] as string)).toBe(true)
    expect(scrypts.count).toBe(4) // the last three are still remembered
    expect(await check(stored[0], secrets[0] as string)).toBe(true)
    expect(scrypts.count).toBe(5) // the first was the one forgotten
  })

  it('issues 30 concurrent first tokens of a client through /oauth/token for one scrypt', async () => {
    const { app } = await buildTestServer()
    try {
      await app.ready()
      await tokenRequest(app, 'gift-deliveries') // pays the dummy hash and another client's scrypt
      scrypts.count = 0
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => tokenRequest(app, 'limited')),
      )
      expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(200))
      expect(scrypts.count).toBe(1)
    } finally {
      await app.close()
    }
  })
})

// A secret the tenant generated is stored as its SHA-256 (384 random bits need no
// slow hash): it starts ten thousand clients in a second. A failure still pays scrypt.
describe('secret check: generated secrets (sha256$)', () => {
  it('accepts the generated secret without scrypt, and refuses any other', async () => {
    const { check } = await setUp()
    const secret = generateClientSecret()
    const stored = hashGeneratedSecret(secret)
    expect(stored).toMatch(/^sha256\$[\w-]{43}$/)
    expect(stored).not.toContain(secret)
    expect(await check(stored, secret)).toBe(true)
    expect(scrypts.count).toBe(0)
    for (const wrong of [`${secret}x`, secret.slice(0, -1), '', generateClientSecret()]) {
      expect(await check(stored, wrong)).toBe(false)
    }
  })

  it('makes a wrong secret pay the scrypt an unknown client pays, one run per concurrent burst', async () => {
    const { check } = await setUp()
    const stored = hashGeneratedSecret(generateClientSecret())
    expect(await check(stored, 'wrong-secret')).toBe(false)
    expect(scrypts.count).toBe(1)
    expect(await check(undefined, 'another-wrong-secret')).toBe(false)
    expect(scrypts.count).toBe(2)
    scrypts.count = 0
    expect(await concurrently(40, () => check(stored, 'wrong-secret'))).toEqual(
      Array(40).fill(false),
    )
    expect(scrypts.count).toBe(1)
  })

  it('refuses, after one scrypt, any stored hash of no known form (a state file edited by hand)', async () => {
    const { check } = await setUp()
    const secret = generateClientSecret()
    const digest = hashGeneratedSecret(secret).slice('sha256$'.length)
    const scryptHash = await hashSecret(secret)
    const [, salt, key] = scryptHash.split('$') as [string, string, string]
    const garbled = [
      '',
      'sha256$',
      `sha256$${digest.slice(1)}`,
      `sha256$${digest}$`,
      `sha512$${digest}`,
      digest,
      `scrypt$${salt}$A`, // a key of no length: scrypt of anything is it
      `scrypt$${salt}$${key.slice(0, 2)}`, // one byte: one secret in 256 would match
      `scrypt$${salt.slice(1)}$${key}`,
      `scrypt$${salt}`,
      `scrypt$${salt}$${key}$`,
    ]
    scrypts.count = 0
    for (const stored of garbled) expect(await check(stored, secret)).toBe(false)
    expect(scrypts.count).toBe(garbled.length)
    expect(await check(scryptHash, secret)).toBe(true) // the whole one still matches
  })

  it('hashes ten thousand generated secrets without one scrypt', async () => {
    await setUp()
    const secrets = Array.from({ length: 10_000 }, generateClientSecret)
    const stored = new Set(secrets.map(hashGeneratedSecret))
    expect(stored.size).toBe(10_000)
    expect(scrypts.count).toBe(0)
  })
})

import { afterEach, beforeEach, expect } from 'vitest'
import { AuthError } from '../../src/errors.js'
import { createVerifier, type JwtVerifier, type VerifierOptions } from '../../src/verify/index.js'
import { type JwksServer, startJwksServer, type TestKey } from './jwks-server.js'
import { signJwt, type TestJwtHeader } from './sign-jwt.js'

export const AUDIENCE = 'urn:worldmappers'

/** A JWKS server, a manual clock for the store and cache, and the verifiers to close. */
export interface VerifyHarness {
  readonly server: JwksServer
  /** What the `now` option of `verifier()` returns; move it with `advance()`. */
  readonly clock: { now: number }
  advance(ms: number): void
  /** A verifier for the harness issuer and audience, closed by `close()`. */
  verifier(overrides?: Partial<VerifierOptions>): JwtVerifier
  /** Claims of a valid M2M access token, relative to `Date.now()` (what fast-jwt reads). */
  claims(overrides?: Record<string, unknown>): Record<string, unknown>
  /** A token signed by `key`, with its `kid`, `alg` and the given claim and header overrides. */
  sign(key: TestKey, claims?: Record<string, unknown>, header?: Partial<TestJwtHeader>): string
  close(): Promise<void>
}

export async function startHarness(...keys: TestKey[]): Promise<VerifyHarness> {
  const server = await startJwksServer(...keys)
  const clock = { now: Date.now() }
  const verifiers: JwtVerifier[] = []

  const claims = (overrides: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000)
    const all: Record<string, unknown> = {
      iss: server.issuer,
      aud: AUDIENCE,
      sub: 'gift-deliveries@clients',
      azp: 'gift-deliveries',
      gty: 'client-credentials',
      scope: 'geocode:location deliveries:read',
      iat: now,
      exp: now + 3600,
      ...overrides,
    }
    return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined))
  }

  return {
    server,
    clock,
    advance(ms) {
      clock.now += ms
    },
    verifier(overrides = {}) {
      const verifier = createVerifier({
        issuer: server.issuer,
        audience: AUDIENCE,
        now: () => clock.now,
        ...overrides,
      })
      verifiers.push(verifier)
      return verifier
    },
    claims,
    sign(key, claimOverrides = {}, header = {}) {
      return signJwt({
        header: { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header },
        payload: claims(claimOverrides),
        key: key.privateKey,
      })
    },
    async close() {
      await Promise.all(verifiers.splice(0).map((verifier) => verifier.close()))
      await server.close()
    },
  }
}

/**
 * Registers hooks that start a harness serving `keys` before each test of the
 * enclosing file or `describe`, and close it after. The returned harness stands
 * for the current test's one, so test code can hold it in a `const`.
 */
export function harnessPerTest(...keys: TestKey[]): VerifyHarness {
  let current: VerifyHarness | undefined
  beforeEach(async () => {
    current = await startHarness(...keys)
  })
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  const harness = () => {
    if (current === undefined) throw new Error('the per-test harness exists only while a test runs')
    return current
  }
  return {
    get server() {
      return harness().server
    },
    get clock() {
      return harness().clock
    },
    advance: (ms) => harness().advance(ms),
    verifier: (overrides) => harness().verifier(overrides),
    claims: (overrides) => harness().claims(overrides),
    sign: (key, claims, header) => harness().sign(key, claims, header),
    close: () => harness().close(),
  }
}

/** Awaits `action`, which must fail with an `AuthError` of this code and HTTP status. */
export async function expectAuthError(
  action: Promise<unknown> | (() => unknown),
  code: string,
  statusCode: number,
  message?: RegExp,
): Promise<AuthError> {
  let error: unknown
  let settled = false
  try {
    await (typeof action === 'function' ? action() : action)
    settled = true
  } catch (caught) {
    error = caught
  }
  expect(settled, `expected ${code}, but it succeeded`).toBe(false)
  expect(error).toBeInstanceOf(AuthError)
  expect(error).toMatchObject({ code, statusCode })
  if (message) expect((error as Error).message).toMatch(message)
  return error as AuthError
}

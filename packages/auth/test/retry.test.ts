import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  InvalidOptionError,
  isTransientAuthError,
  JwksUnavailableError,
  TokenEndpointError,
  TokenNetworkError,
  TokenResponseError,
  UnusableAccessTokenError,
} from '../src/errors.js'
import { fullJitterDelay, parseRetryAfter } from '../src/index.js'

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-04T12:00:00Z')

  it('reads delay-seconds and HTTP-dates, the first of a repeated header', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
    expect(parseRetryAfter('Fri, 04 Dec 2026 12:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter(['5', '60'], now)).toBe(5_000)
    // The obsolete forms (RFC 9110 §5.6.7): RFC 850 and asctime.
    expect(parseRetryAfter('Friday, 04-Dec-26 12:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Fri Dec  4 12:00:10 2026', now)).toBe(10_000)
  })

  it('ignores what it cannot read', () => {
    for (const value of [undefined, [], '', '-1', '1.5', 'soon', '12abc', '2026-12-04']) {
      expect(parseRetryAfter(value, now)).toBeUndefined()
    }
  })
})

describe('fullJitterDelay', () => {
  it('is uniform below min(cap, base × 2^(attempt − 1)), never negative (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, capMs, r) => {
          const delay = fullJitterDelay(attempt, baseMs, capMs, () => r)
          const ceiling = Math.min(capMs, baseMs * 2 ** (attempt - 1))
          expect(Number.isInteger(delay)).toBe(true)
          expect(delay).toBeGreaterThanOrEqual(0)
          expect(delay).toBeLessThan(ceiling)
          expect(delay).toBe(Math.floor(r * ceiling))
        },
      ),
    )
  })

  it('doubles its ceiling per attempt up to the cap', () => {
    const top = () => 0.999_999
    expect([1, 2, 3, 4, 5, 6].map((n) => fullJitterDelay(n, 100, 1_000, top))).toEqual([
      99, 199, 399, 799, 999, 999,
    ])
  })
})

describe('isTransientAuthError', () => {
  it('is true for outages: 5xx, 429 and 408 from the token endpoint, network, discovery, JWKS', () => {
    for (const status of [500, 502, 503, 429, 408]) {
      expect(isTransientAuthError(new TokenEndpointError(status, 'busy'))).toBe(true)
    }
    expect(isTransientAuthError(new TokenNetworkError('reset'))).toBe(true)
    expect(isTransientAuthError(new TokenResponseError('not JSON'))).toBe(true)
    expect(isTransientAuthError(new JwksUnavailableError('down'))).toBe(true)
  })

  it('is false for refusals, our own set-up, and anything not from @m2m/auth', () => {
    for (const status of [400, 401, 403]) {
      expect(isTransientAuthError(new TokenEndpointError(status, 'invalid_client'))).toBe(false)
    }
    expect(isTransientAuthError(new InvalidOptionError('timeoutMs'))).toBe(false)
    expect(isTransientAuthError(new UnusableAccessTokenError('empty'))).toBe(false)
    for (const other of [new Error('x'), { code: 'ECONNRESET' }, null, undefined, 'AUTH_ERR_X']) {
      expect(isTransientAuthError(other)).toBe(false)
    }
  })

  it('recognizes an error from another copy of the package by its code', () => {
    const copy = Object.assign(new Error('The token endpoint answered 503'), {
      code: 'AUTH_ERR_TOKEN_ENDPOINT',
      statusCode: 502,
      status: 503,
    })
    expect(isTransientAuthError(copy)).toBe(true)
  })
})

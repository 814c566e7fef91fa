import { createHmac, timingSafeEqual } from 'node:crypto'

/** Server-provided DPoP nonces (RFC 9449 §8 at a token endpoint, §9 at a resource server). */
export interface ServerNonces {
  /** The nonce of the current time window, for a `DPoP-Nonce` header. */
  current(): string
  /** True for the nonce of the current window or of the one before. */
  isValid(nonce: string): boolean
}

/**
 * Nonces derived, not stored: the nonce of time window `w` is
 * base64url(HMAC-SHA256(secret, "dpop-nonce:" + w)). Replicas sharing the
 * secret issue and accept the same nonces with no shared state, and nothing
 * grows with the number of clients. The previous window's nonce is accepted
 * too, so a client that fetched one just before a window ends is not refused
 * at once; a nonce thus lives between one and two windows.
 */
export function createServerNonces(options: {
  secret: Uint8Array
  windowMs: number
  now: () => number
}): ServerNonces {
  const { secret, windowMs, now } = options
  let window = Number.NaN
  let current = ''
  let previous = ''
  let currentBytes = Buffer.alloc(0)
  let previousBytes = Buffer.alloc(0)

  const derive = (w: number) =>
    createHmac('sha256', secret).update(`dpop-nonce:${w}`).digest('base64url')

  function refresh(): void {
    const w = Math.floor(now() / windowMs)
    if (w === window) return
    previous = w === window + 1 ? current : derive(w - 1)
    current = derive(w)
    window = w
    previousBytes = Buffer.from(previous)
    currentBytes = Buffer.from(current)
  }

  return {
    current() {
      refresh()
      return current
    },
    isValid(nonce) {
      refresh()
      const given = Buffer.from(nonce)
      // Every nonce has the same length, so comparing lengths first leaks nothing.
      if (given.length !== currentBytes.length) return false
      // Both compared, so the time taken does not tell which one matched.
      const isCurrent = timingSafeEqual(given, currentBytes)
      const isPrevious = timingSafeEqual(given, previousBytes)
      return isCurrent || isPrevious
    },
  }
}

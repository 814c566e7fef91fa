import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export interface DpopNonces {
  /** The nonce to send now (`DPoP-Nonce` header). */
  current(): string
  /** Whether `nonce` is this window's or the previous one's. */
  isValid(nonce: string): boolean
}

/**
 * Server nonces for DPoP proofs (RFC 9449 §8): the HMAC of a time window, so
 * nothing is stored and each nonce is accepted for one to two windows (the
 * current and the previous), then refused with `use_dpop_nonce` and a fresh
 * one. The key is random per process: replicas would each need the same one.
 */
export function createDpopNonces(
  options: { now?: () => number; windowSeconds?: number | undefined; key?: Buffer } = {},
): DpopNonces {
  const now = options.now ?? Date.now
  const windowMs = (options.windowSeconds ?? 60) * 1000
  const key = options.key ?? randomBytes(32)
  let cached: { window: number; nonce: string } | undefined

  const nonceOf = (window: number): string => {
    if (cached?.window === window) return cached.nonce
    const nonce = createHmac('sha256', key).update(`dpop-nonce:${window}`).digest('base64url')
    if (cached === undefined || window > cached.window) cached = { window, nonce }
    return nonce
  }
  const same = (given: string, expected: string) => {
    const a = Buffer.from(given)
    const b = Buffer.from(expected)
    return a.length === b.length && timingSafeEqual(a, b)
  }

  return {
    current: () => nonceOf(Math.floor(now() / windowMs)),
    isValid(nonce) {
      const window = Math.floor(now() / windowMs)
      return same(nonce, nonceOf(window)) || same(nonce, nonceOf(window - 1))
    },
  }
}

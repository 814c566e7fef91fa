import { createDecoder } from 'fast-jwt'
import { CliError, usageError } from '../errors.js'

export interface DecodedJwt {
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

const decoder = createDecoder({ complete: true })

/**
 * The header and payload of a compact JWS, read WITHOUT checking the
 * signature: nothing here may be trusted (see `--verify`).
 */
export function decodeJwt(token: string): DecodedJwt {
  try {
    const { header, payload } = decoder(token.trim()) as DecodedJwt
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw usageError('not a JWT: the payload is not a JSON object')
    }
    return { header, payload }
  } catch (error) {
    if (error instanceof CliError) throw error
    // fast-jwt's messages never quote the token.
    throw usageError(`not a JWT: ${(error as Error).message}`)
  }
}

export interface ExpiryMark {
  /** ISO time of `exp`, or null when the token has none. */
  expiresAt: string | null
  expired: boolean
  /** "expires in 23h 59m" / "EXPIRED 5m ago" / "no exp claim". */
  text: string
}

/** Marks the expiry of a payload relative to `now` (epoch ms). */
export function markExpiry(payload: Record<string, unknown>, now: number): ExpiryMark {
  const { exp } = payload
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    return { expiresAt: null, expired: false, text: 'no exp claim: the token never expires' }
  }
  const expiresAtMs = exp * 1000
  const expiresAt = new Date(expiresAtMs).toISOString()
  const delta = expiresAtMs - now
  return delta > 0
    ? { expiresAt, expired: false, text: `expires ${expiresAt} (in ${duration(delta)})` }
    : { expiresAt, expired: true, text: `EXPIRED ${expiresAt} (${duration(-delta)} ago)` }
}

function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  const d = Math.floor(seconds / 86_400)
  const h = Math.floor((seconds % 86_400) / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s}s`
  return `${s}s`
}

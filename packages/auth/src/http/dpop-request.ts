import type { Dispatcher } from 'undici'
import type { DpopKey } from '../dpop/dpop-key.js'
import { createDpopProof } from '../dpop/dpop-proof.js'

type DispatchOptions = Dispatcher.DispatchOptions

/** The URL an undici request goes to: its origin and path (the proof's `htu` drops the query). */
export function requestUrl(opts: DispatchOptions): string {
  const origin = opts.origin instanceof URL ? opts.origin.origin : String(opts.origin ?? '')
  return `${origin.replace(/\/$/, '')}${opts.path ?? '/'}`
}

/** The last `DPoP-Nonce` each origin sent (RFC 9449 §9), and proofs that carry it. */
export interface DpopNonces {
  /** A new proof for this request, with the origin's nonce if it sent one. */
  proof(key: DpopKey, method: string, url: string, accessToken: string): string
  /** Keeps the nonce a response carried; true when it is new for that origin. */
  update(opts: DispatchOptions, header: string | string[] | undefined): boolean
}

// Origins are few (an allow-list); the bound only keeps a misconfigured predicate from growing it.
const MAX_ORIGINS = 1_000

export function createDpopNonces(): DpopNonces {
  const byOrigin = new Map<string, string>()
  const originOf = (url: string) => {
    try {
      return new URL(url).origin
    } catch {
      return url
    }
  }
  return {
    proof(key, method, url, accessToken) {
      const nonce = byOrigin.get(originOf(url))
      return createDpopProof(key, { htm: method, htu: url, accessToken, nonce })
    },
    update(opts, header) {
      const nonce = Array.isArray(header) ? header[0] : header
      if (typeof nonce !== 'string' || nonce === '') return false
      const origin = originOf(requestUrl(opts))
      if (byOrigin.get(origin) === nonce) return false
      if (byOrigin.size >= MAX_ORIGINS) byOrigin.clear()
      byOrigin.set(origin, nonce)
      return true
    },
  }
}

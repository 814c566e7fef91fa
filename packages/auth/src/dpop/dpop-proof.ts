import { createHash, randomBytes, sign } from 'node:crypto'
import { algorithmSpec, cryptoKeyFor } from './algorithms.js'
import type { DpopKey } from './dpop-key.js'
import { normalizeHtu } from './htu.js'

export interface DpopProofClaims {
  /** The request's method ("GET", "POST"). */
  htm: string
  /** The request's URL; its query and fragment are left out of `htu`. */
  htu: string
  /** The access token sent with the request: the proof then carries its hash (`ath`). */
  accessToken?: string | undefined
  /** The last `DPoP-Nonce` this server sent, if it sent one. */
  nonce?: string | undefined
}

/** The proof header of each key, encoded once (it holds only the public key). */
const encodedHeaders = new WeakMap<DpopKey, string>()

function encodedHeader(key: DpopKey): string {
  let header = encodedHeaders.get(key)
  if (header === undefined) {
    header = base64urlJson({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk })
    encodedHeaders.set(key, header)
  }
  return header
}

/** `ath`: base64url SHA-256 of the access token (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url')
}

/**
 * A DPoP proof JWT (RFC 9449 §4.2) for one request: `typ` dpop+jwt, the
 * public key in `jwk`; `jti` (128 random bits), `htm`, `htu`, `iat`, and
 * `ath` and `nonce` when given. One per request: never reuse a proof.
 * @throws TypeError when `htu` is not an absolute http(s) URL
 */
export function createDpopProof(key: DpopKey, claims: DpopProofClaims, now = Date.now()): string {
  const htu = normalizeHtu(claims.htu)
  if (htu === undefined) throw new TypeError('a DPoP proof needs an absolute http(s) URL')
  const payload: Record<string, string | number> = {
    jti: randomBytes(16).toString('base64url'),
    htm: claims.htm.toUpperCase(),
    htu,
    iat: Math.floor(now / 1000),
  }
  if (claims.accessToken !== undefined) payload.ath = accessTokenHash(claims.accessToken)
  if (claims.nonce !== undefined) payload.nonce = claims.nonce
  const input = `${encodedHeader(key)}.${base64urlJson(payload)}`
  const spec = algorithmSpec(key.alg)
  const signature = sign(spec.hash, Buffer.from(input), cryptoKeyFor(key.alg, key.privateKey))
  return `${input}.${signature.toString('base64url')}`
}

function base64urlJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

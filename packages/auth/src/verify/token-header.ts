import { TokenMalformedError } from '../errors.js'

export interface JoseHeader {
  alg: string
  kid?: string
  typ?: string
}

/** Compact JWS: three base64url segments. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Reads the protected header of a compact JWS without trusting it: only `alg`
 * and `kid` are used, to pick an allowed algorithm and a key from the
 * configured JWKS. `jku`, `x5u`, `x5c` and `jwk` are ignored on purpose: the
 * keys come from the issuer's JWKS, never from the token.
 */
export function readTokenHeader(token: string, maxLength: number): JoseHeader {
  if (token.length > maxLength) {
    throw new TokenMalformedError(`the token is longer than ${maxLength} characters`)
  }
  if (!COMPACT_JWS.test(token)) {
    throw new TokenMalformedError('the token is not a compact JWS')
  }
  let header: unknown
  try {
    const encoded = token.slice(0, token.indexOf('.'))
    header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch (cause) {
    throw new TokenMalformedError('the token header is not JSON', { cause })
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new TokenMalformedError('the token header is not a JSON object')
  }
  const { alg, kid, typ } = header as Record<string, unknown>
  if (typeof alg !== 'string') throw new TokenMalformedError('the token header has no alg')
  if (kid !== undefined && typeof kid !== 'string') {
    throw new TokenMalformedError('the token header kid is not a string')
  }
  return {
    alg,
    ...(kid === undefined ? {} : { kid }),
    ...(typeof typ === 'string' ? { typ } : {}),
  }
}

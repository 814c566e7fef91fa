import { createHash } from 'node:crypto'

/** The members RFC 7638 §3.2 hashes for each key type, in lexicographic order. */
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
})

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url: what DPoP binds
 * a token to (`cnf.jkt`, RFC 9449 §6.1).
 * @throws TypeError for a key type other than EC, RSA or OKP, or a missing member
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const members = REQUIRED_MEMBERS[String(jwk.kty)]
  if (!members) throw new TypeError(`unsupported JWK key type ${JSON.stringify(jwk.kty)}`)
  const canonical: Record<string, string> = {}
  for (const member of members) {
    const value = jwk[member]
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`the JWK has no "${member}" member`)
    }
    canonical[member] = value
  }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')
}

import { type KeyObject, sign } from 'node:crypto'

/** A JSON value as a JWS segment: its UTF-8 bytes in base64url. */
export const base64urlJson = (value: object): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * An RS256 compact JWS (PKCS #1 v1.5 with SHA-256, node:crypto): the header
 * given already encoded (made once per signer), the claims encoded here.
 */
export function signRs256(encodedHeader: string, claims: object, key: KeyObject): string {
  const input = `${encodedHeader}.${base64urlJson(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
}

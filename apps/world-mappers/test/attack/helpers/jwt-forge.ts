import { createHmac, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'

/** A JOSE header as an attacker may write it, members the verifier must ignore included. */
export interface ForgedHeader {
  alg: string
  kid?: string
  [member: string]: unknown
}

/** base64url of a JSON value: one compact-JWS segment. */
export function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

/**
 * A compact JWS signed on node:crypto, independent of the code under test, so
 * tests can also write what no honest signer would (`alg: none`, HS256 with a
 * public key, a header that lies about the algorithm).
 */
export function signJwt(
  header: ForgedHeader,
  payload: Record<string, unknown>,
  key?: KeyObject | string | Buffer,
): string {
  const input = `${segment(header)}.${segment(payload)}`
  const alg = header.alg
  if (alg.toLowerCase() === 'none') return `${input}.`
  if (key === undefined) throw new Error(`signing with ${alg} needs a key`)
  const digest = `sha${alg.slice(2)}`
  const data = Buffer.from(input, 'utf8')
  const signature = alg.startsWith('HS')
    ? createHmac(digest, key as string | Buffer)
        .update(data)
        .digest()
    : sign(digest, data, key as KeyObject)
  return `${input}.${signature.toString('base64url')}`
}

/** A header and payload with a random 256-byte signature: enough to probe `kid` handling. */
export function forgeJwt(header: ForgedHeader, payload: Record<string, unknown>): string {
  return `${segment(header)}.${segment(payload)}.${randomBytes(256).toString('base64url')}`
}

/** An RSA key pair the tenant never saw: the attacker's. */
export function attackerKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { privateKey, publicKey, jwk: publicKey.export({ format: 'jwk' }) }
}

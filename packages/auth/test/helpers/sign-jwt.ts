import { constants, createHmac, type KeyObject, randomBytes, sign } from 'node:crypto'

/** A JOSE header as a token may carry it, including members the verifier must ignore. */
export interface TestJwtHeader {
  alg: string
  kid?: string
  typ?: string
  [member: string]: unknown
}

export interface SignJwtOptions {
  header: TestJwtHeader
  payload: Record<string, unknown>
  /** A private key for RS/PS/ES, a secret for HS, nothing for `none`. */
  key?: KeyObject | string | Buffer
  /** Sign with this algorithm whatever the header says (to forge alg mismatches). */
  signWith?: string
}

/** base64url of a JSON value, as a compact JWS segment. */
export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

/**
 * A tiny compact-JWS signer on node:crypto, independent of the code under test,
 * so tests can also produce what no honest signer would.
 */
export function signJwt({ header, payload, key, signWith = header.alg }: SignJwtOptions): string {
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`
  return `${input}.${signature(signWith, input, key)}`
}

function signature(alg: string, input: string, key: SignJwtOptions['key']): string {
  if (alg.toLowerCase() === 'none') return ''
  if (key === undefined) throw new Error(`signing with ${alg} needs a key`)
  const digest = `sha${alg.slice(2)}`
  const data = Buffer.from(input, 'utf8')
  switch (alg.slice(0, 2)) {
    case 'HS':
      return createHmac(digest, key as string | Buffer)
        .update(data)
        .digest('base64url')
    case 'RS':
      return sign(digest, data, key as KeyObject).toString('base64url')
    case 'PS':
      return sign(digest, data, {
        key: key as KeyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }).toString('base64url')
    case 'ES':
      return sign(digest, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' }).toString(
        'base64url',
      )
    default:
      throw new Error(`the test signer does not know ${alg}`)
  }
}

/** A token with the given header and payload and a random signature: enough to probe `kid` handling. */
export function forgeJwt(header: TestJwtHeader, payload: Record<string, unknown>): string {
  return `${encodeSegment(header)}.${encodeSegment(payload)}.${randomBytes(256).toString('base64url')}`
}

/** The same token with its payload replaced, header and signature kept. */
export function replacePayload(token: string, payload: Record<string, unknown>): string {
  const [header, , sig] = token.split('.')
  return `${header}.${encodeSegment(payload)}.${sig}`
}

/** The same token with one bit of its signature flipped. */
export function flipSignatureBit(token: string): string {
  const [header, payload, sig = ''] = token.split('.')
  const bytes = Buffer.from(sig, 'base64url')
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1
  return `${header}.${payload}.${bytes.toString('base64url')}`
}

/** The decoded payload of a compact JWS (no verification). */
export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
}

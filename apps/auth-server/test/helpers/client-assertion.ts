import {
  constants,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  sign,
} from 'node:crypto'

/** An RSA key pair; `publicPem` is what a client registers (SPKI PEM). */
export interface RsaKeyPair {
  publicPem: string
  privateKey: KeyObject
  /** PKCS#8 PEM, as the auth0 SDK's `clientAssertionSigningKey` takes it. */
  privatePem: string
}

export function rsaKeyPair(modulusLength = 2048): RsaKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength })
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** The claims of a fresh assertion for `clientId`: 60 s of life, a random jti. */
export function assertionClaims(clientId: string, audience: string, overrides = {}) {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: clientId,
    sub: clientId,
    aud: audience,
    iat: now,
    exp: now + 60,
    jti: randomUUID(),
    ...overrides,
  }
}

/**
 * A compact JWS over `claims`, signed as the client would (RS256, RS384 or
 * PS256 with `key`); `header` adds to or replaces `{ alg, typ }`. For attacks:
 * `alg: 'none'` gives an empty signature, `HS256` an HMAC keyed with `hmacSecret`.
 */
export function signAssertion(
  claims: Record<string, unknown>,
  options: {
    key?: KeyObject
    alg?: string
    header?: Record<string, unknown>
    hmacSecret?: string
  } = {},
): string {
  const alg = options.alg ?? 'RS256'
  const input = `${b64({ alg, typ: 'JWT', ...options.header })}.${b64(claims)}`
  const data = Buffer.from(input)
  let signature = ''
  if (alg === 'none') signature = ''
  else if (alg === 'HS256') {
    signature = createHmac('sha256', options.hmacSecret ?? '')
      .update(data)
      .digest('base64url')
  } else {
    if (!options.key) throw new Error(`${alg} needs a key`)
    const key =
      alg === 'PS256'
        ? { key: options.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
        : options.key
    signature = sign(alg === 'RS384' ? 'sha384' : 'sha256', data, key).toString('base64url')
  }
  return `${input}.${signature}`
}

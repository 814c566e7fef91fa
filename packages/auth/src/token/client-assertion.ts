import {
  constants,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  randomUUID,
  sign,
} from 'node:crypto'
import { readFileSync } from 'node:fs'
import { InvalidOptionError } from '../errors.js'

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** The algorithms Auth0 accepts for `private_key_jwt` client assertions. */
export const CLIENT_ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'PS256'] as const
export type ClientAssertionAlgorithm = (typeof CLIENT_ASSERTION_ALGORITHMS)[number]

const HASHES: Readonly<Record<ClientAssertionAlgorithm, string>> = Object.freeze({
  RS256: 'sha256',
  RS384: 'sha384',
  PS256: 'sha256',
})

/** An assertion lives one minute: long enough for one request, too short to be worth stealing. */
const LIFETIME_S = 60
const MIN_MODULUS_BITS = 2048

export function isClientAssertionAlgorithm(value: unknown): value is ClientAssertionAlgorithm {
  return typeof value === 'string' && Object.hasOwn(HASHES, value)
}

/**
 * What is wrong with a would-be signing key, or `undefined` when it is a
 * private RSA key of at least 2,048 bits. Says what the key is, never what it holds.
 */
function keyProblem(key: KeyObject): string | undefined {
  if (key.type !== 'private') return `is a ${key.type} key, not a private key`
  if (key.asymmetricKeyType !== 'rsa') {
    return `is not an RSA key (its type is ${String(key.asymmetricKeyType)})`
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < MIN_MODULUS_BITS) {
    return `is a ${bits}-bit RSA key; at least ${MIN_MODULUS_BITS} bits are required`
  }
  return undefined
}

/** A PEM text as a private key, or what it is instead. The text never reaches a message. */
function parsePem(pem: string | Buffer): KeyObject | string {
  try {
    return createPrivateKey({ key: pem, format: 'pem' })
  } catch (cause) {
    // OpenSSL 3 reports a missing passphrase as ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED:
    // the PEM labels (PKCS#8 and the legacy OpenSSL header) say it more reliably.
    const code = (cause as { code?: unknown }).code
    const encrypted =
      code === 'ERR_MISSING_PASSPHRASE' ||
      pem.includes('ENCRYPTED PRIVATE KEY-----') ||
      pem.includes('Proc-Type: 4,ENCRYPTED')
    if (encrypted) {
      return 'is an encrypted private key: decrypt it first (openssl pkey -in <file> -out <plain file>)'
    }
    try {
      const publicKey = createPublicKey({ key: pem, format: 'pem' })
      return `is a ${publicKey.type} key, not a private key`
    } catch {
      return 'is not a PEM private key'
    }
  }
}

/**
 * The `clientAssertionSigningKey` option as a checked `KeyObject`: a private
 * RSA key (PEM text or `KeyObject`) of at least 2,048 bits, as Auth0 requires.
 * @throws InvalidOptionError naming the option, never showing the key
 */
export function toClientAssertionKey(value: unknown, name: string): KeyObject {
  let key: KeyObject | string
  if (typeof value === 'string') {
    key = parsePem(value)
  } else if (value instanceof KeyObject) {
    key = value
  } else {
    throw new InvalidOptionError(`${name} must be a PEM string or a KeyObject (a private RSA key)`)
  }
  const problem = typeof key === 'string' ? key : keyProblem(key)
  if (problem !== undefined) {
    throw new InvalidOptionError(`${name} ${problem}; a private RSA key is required`)
  }
  return key as KeyObject
}

/**
 * Reads a PEM private RSA key from `path` for `clientAssertionSigningKey`, e.g.
 * from a service's `AUTH0_CLIENT_ASSERTION_SIGNING_KEY` variable. `name` says
 * where the path came from, so the error names it (default: `clientAssertionSigningKey`).
 *
 * @throws InvalidOptionError (`AUTH_ERR_INVALID_OPTION`) naming `name` and the
 *   path when the file cannot be read or holds no private RSA key of at least
 *   2,048 bits. The file's content never appears in it.
 * @see https://auth0.com/docs/get-started/authentication-and-authorization-flow/authenticate-with-private-key-jwt
 */
export function readClientAssertionKey(
  path: string,
  name = 'clientAssertionSigningKey',
): KeyObject {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new InvalidOptionError(`${name} must be the path of a PEM private key file`)
  }
  let pem: Buffer
  try {
    pem = readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw new InvalidOptionError(`${name}: cannot read ${path} (${code})`)
  }
  try {
    const key = parsePem(pem)
    const problem = typeof key === 'string' ? key : keyProblem(key)
    if (problem !== undefined) {
      throw new InvalidOptionError(`${name}: ${path} ${problem}; a private RSA key is required`)
    }
    return key as KeyObject
  } finally {
    // The KeyObject holds its own copy; leave none of the PEM text behind in this buffer.
    pem.fill(0)
  }
}

export interface ClientAssertionSignerOptions {
  key: KeyObject
  algorithm: ClientAssertionAlgorithm
  keyId?: string | undefined
  clientId: string
  /** The assertion's `aud`: for Auth0, the tenant URL `https://<domain>/`. */
  audience: string
  /** Clock in epoch ms. */
  now: () => number
}

/**
 * Returns a function that signs a new client assertion (RFC 7523 §3) on each
 * call: `iss` = `sub` = the client id, `aud`, `iat`, `exp` = `iat` + 60 s and a
 * random `jti`. A fresh one per token request, retries included, so none is
 * ever presented twice (Auth0 refuses a reused `jti`).
 *
 * Signed with node:crypto rather than fast-jwt: fast-jwt's signer takes keys
 * as PEM text only, so a `KeyObject` would have to be exported, and fast-jwt
 * keeps the PEM it was given as a key of its module-wide cache.
 */
export function createClientAssertionSigner(options: ClientAssertionSignerOptions) {
  const { key, algorithm, clientId, audience, now } = options
  const header = base64url({
    alg: algorithm,
    typ: 'JWT',
    ...(options.keyId === undefined ? {} : { kid: options.keyId }),
  })
  const hash = HASHES[algorithm]
  // RFC 7518 §3.5: PSS with a salt as long as the hash.
  const signingKey =
    algorithm === 'PS256'
      ? {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        }
      : key

  return function signClientAssertion(): string {
    const iat = Math.floor(now() / 1000)
    const payload = base64url({
      iss: clientId,
      sub: clientId,
      aud: audience,
      iat,
      exp: iat + LIFETIME_S,
      jti: randomUUID(),
    })
    const input = `${header}.${payload}`
    return `${input}.${sign(hash, Buffer.from(input), signingKey).toString('base64url')}`
  }
}

/** The `aud` Auth0 expects in a client assertion: the tenant URL, `https://<domain>/`. */
export function clientAssertionAudience(issuer: string): string {
  return `${new URL(issuer).origin}/`
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

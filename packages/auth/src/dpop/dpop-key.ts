import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto'
import { InvalidOptionError } from '../errors.js'
import { type DpopAlgorithm, isDpopAlgorithm, keyFitsAlgorithm, keySizeNote } from './algorithms.js'
import { jwkThumbprint } from './jwk-thumbprint.js'

/**
 * A DPoP key pair: the private key signs proofs, the public JWK goes in each
 * proof's header, and `jkt` (its RFC 7638 thumbprint) is what tokens are bound
 * to. The private key is a `KeyObject` held in memory; `toJSON` and
 * `util.inspect` show only the algorithm and thumbprint, so logging a key by
 * mistake prints nothing secret.
 */
export interface DpopKey {
  readonly alg: DpopAlgorithm
  readonly privateKey: KeyObject
  readonly publicJwk: Readonly<Record<string, string>>
  /** base64url SHA-256 thumbprint of `publicJwk` (the `cnf.jkt` of bound tokens). */
  readonly jkt: string
}

const GENERATORS: Readonly<Record<DpopAlgorithm, () => KeyObject>> = Object.freeze({
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  ES384: () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
  ES512: () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  RS384: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  RS512: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  PS384: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  PS512: () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  EdDSA: () => generateKeyPairSync('ed25519').privateKey,
})

/** The public members of a JWK only (a private `d`, `p`, `q`… never leaves this function). */
function publicMembers(key: KeyObject): Record<string, string> {
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as Record<string, string>
  const { kty, crv, x, y, n, e } = jwk
  const members: Record<string, string | undefined> = { kty, crv, x, y, n, e }
  return Object.fromEntries(
    Object.entries(members).filter((entry): entry is [string, string] => entry[1] !== undefined),
  )
}

/**
 * A DPoP key for `alg` (default ES256): a new key pair, or `privateKey` (a
 * `KeyObject` or PEM text) when replicas must share one binding.
 * @throws InvalidOptionError for an unknown algorithm, or a key that is not a
 *   private key of that algorithm's type (the key itself is never shown)
 */
export function createDpopKey(
  options: { alg?: DpopAlgorithm; privateKey?: KeyObject | string } = {},
): DpopKey {
  const alg = options.alg ?? 'ES256'
  if (!isDpopAlgorithm(alg)) {
    throw new InvalidOptionError(`dpop.alg ${JSON.stringify(alg)} is not a DPoP algorithm`)
  }
  let privateKey: KeyObject
  if (options.privateKey === undefined) {
    privateKey = GENERATORS[alg]()
  } else if (options.privateKey instanceof KeyObject) {
    privateKey = options.privateKey
  } else if (typeof options.privateKey === 'string') {
    try {
      privateKey = createPrivateKey(options.privateKey)
    } catch {
      throw new InvalidOptionError('dpop.privateKey is not a PEM private key')
    }
  } else {
    throw new InvalidOptionError('dpop.privateKey must be a KeyObject or PEM text')
  }
  if (privateKey.type !== 'private' || !keyFitsAlgorithm(alg, privateKey)) {
    throw new InvalidOptionError(
      `dpop.privateKey is not a private key for ${alg}${keySizeNote(alg)}`,
    )
  }
  const publicJwk = Object.freeze(publicMembers(privateKey))
  const jkt = jwkThumbprint(publicJwk)
  const key: DpopKey = { alg, privateKey, publicJwk, jkt }
  Object.defineProperties(key, {
    toJSON: { value: () => ({ alg, jkt }), enumerable: false },
    [Symbol.for('nodejs.util.inspect.custom')]: {
      value: () => `DpopKey { alg: '${alg}', jkt: '${jkt}' }`,
      enumerable: false,
    },
  })
  return Object.freeze(key)
}

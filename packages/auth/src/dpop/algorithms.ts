import { constants, type KeyObject } from 'node:crypto'

/** The JWS algorithms a DPoP proof may be signed with here (asymmetric only, RFC 9449 §4.2). */
export const DPOP_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number]

export function isDpopAlgorithm(value: unknown): value is DpopAlgorithm {
  return typeof value === 'string' && (DPOP_ALGORITHMS as readonly string[]).includes(value)
}

interface AlgorithmSpec {
  /** node:crypto's digest name; `null` for EdDSA, which hashes internally. */
  hash: string | null
  /** The JWK `kty` (and curve) a key of this algorithm has. */
  kty: 'EC' | 'RSA' | 'OKP'
  crv?: string
}

const SPECS: Readonly<Record<DpopAlgorithm, AlgorithmSpec>> = Object.freeze({
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256' },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384' },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521' },
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA' },
  PS384: { hash: 'sha384', kty: 'RSA' },
  PS512: { hash: 'sha512', kty: 'RSA' },
  EdDSA: { hash: null, kty: 'OKP', crv: 'Ed25519' },
})

export function algorithmSpec(alg: DpopAlgorithm): AlgorithmSpec {
  return SPECS[alg]
}

/** The key argument node:crypto's `sign`/`verify` need for `alg` (JWS encodings, RFC 7518 §3). */
export function cryptoKeyFor(alg: DpopAlgorithm, key: KeyObject) {
  if (alg.startsWith('ES')) return { key, dsaEncoding: 'ieee-p1363' as const }
  if (alg.startsWith('PS')) {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }
  }
  return key
}

/** RSA proof keys: at least as strong as RS256 needs, and no larger than a check can afford. */
export const RSA_MODULUS_BITS = Object.freeze({ min: 2048, max: 8192 })

/** What a refusal adds to "not a key for {alg}": the sizes an RSA key may have. */
export function keySizeNote(alg: DpopAlgorithm): string {
  return SPECS[alg].kty === 'RSA'
    ? ` (RSA of ${RSA_MODULUS_BITS.min} to ${RSA_MODULUS_BITS.max} bits)`
    : ''
}

/**
 * Whether `key` is of the type and curve `alg` signs with; an RSA key has
 * `RSA_MODULUS_BITS` (a larger one would make every check of its proofs cost
 * tens of times a 2048-bit one's, at the sender's choice).
 */
export function keyFitsAlgorithm(alg: DpopAlgorithm, key: KeyObject): boolean {
  const spec = SPECS[alg]
  const type = key.asymmetricKeyType
  if (spec.kty === 'RSA') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
    return (
      (type === 'rsa' || type === 'rsa-pss') &&
      bits >= RSA_MODULUS_BITS.min &&
      bits <= RSA_MODULUS_BITS.max
    )
  }
  if (spec.kty === 'OKP') return type === 'ed25519'
  const curves: Record<string, string> = {
    'P-256': 'prime256v1',
    'P-384': 'secp384r1',
    'P-521': 'secp521r1',
  }
  return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === curves[spec.crv as string]
}

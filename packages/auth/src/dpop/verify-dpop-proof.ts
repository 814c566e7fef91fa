import { createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { batchPerTurn } from '../batch-per-turn.js'
import { type DpopErrorCode, DpopProofError, ReplayCacheFullError } from '../errors.js'
import {
  algorithmSpec,
  cryptoKeyFor,
  type DpopAlgorithm,
  isDpopAlgorithm,
  keyFitsAlgorithm,
  keySizeNote,
} from './algorithms.js'
import { accessTokenHash } from './dpop-proof.js'
import { normalizeHtu } from './htu.js'
import { jwkThumbprint } from './jwk-thumbprint.js'
import type { ReplayCache } from './replay-cache.js'

export interface DpopProofExpectations {
  /** The request's method. */
  htm: string
  /** The request's full URL as this server is reached (scheme, host, path). */
  htu: string
  /** The access token sent with the proof: `ath` must be its hash. Omit at a token endpoint. */
  accessToken?: string | undefined
  /** The thumbprint the token is bound to (`cnf.jkt`): the proof's key must have it. */
  jkt?: string | undefined
  /** Algorithms accepted; default every asymmetric one of DPOP_ALGORITHMS. */
  algorithms?: readonly DpopAlgorithm[] | undefined
  /** Whether a nonce this server issued is current; when set, a proof without one is refused. */
  isNonceValid?: ((nonce: string) => boolean) | undefined
  /**
   * `jti`s already used; each is kept until its proof is too old (`iat` + max
   * age + leeway, by the clock of `now`: give the cache the same clock).
   */
  replay: ReplayCache
  /** How old a proof may be, seconds (default 120: a proof is made for one request, now). */
  maxAgeSeconds?: number | undefined
  /** How far in the future `iat` may be, seconds, for clock skew (default 30). */
  leewaySeconds?: number | undefined
  /** Status of the refusal: 401 at a resource server (default), 400 at a token endpoint. */
  statusCode?: number | undefined
  now?: number | undefined
}

export interface VerifiedDpopProof {
  alg: DpopAlgorithm
  /** Thumbprint of the proof's key: what a token issued for it is bound to. */
  jkt: string
  jti: string
  iat: number
  publicJwk: Readonly<Record<string, unknown>>
}

/** Members that only a private or symmetric JWK has (RFC 7517, RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
/** Longest proof read; a real one is well under 1 KB (EC) or 1.5 KB (RSA). */
const MAX_PROOF_LENGTH = 8 * 1024
const MAX_JTI_LENGTH = 256
/** A proof is made for one request, at once: two minutes leave room for slow clocks and queues. */
export const DEFAULT_MAX_AGE_SECONDS = 120

interface ProofKey {
  alg: DpopAlgorithm
  jkt: string
  publicJwk: Readonly<Record<string, unknown>>
  /** What `crypto.verify` takes for this key and `alg`, made once per header. */
  hash: string | null | undefined
  verifyKey: ReturnType<typeof cryptoKeyFor>
}

/**
 * Parsed proof headers: importing a JWK costs ~55 µs for P-256, about what
 * the signature check costs, and a client sends the same header with every
 * proof. Only the header's key is cached, never a verdict: every proof's
 * signature, claims and `jti` are still checked.
 */
const proofKeys = new LRUCache<string, ProofKey>({ max: 10_000 })

function refuse(error: DpopErrorCode, description: string, statusCode: number): never {
  throw new DpopProofError(error, description, statusCode)
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function proofKey(segment: string, status: number): ProofKey {
  const cached = proofKeys.get(segment)
  if (cached) return cached
  const header = decodeJson(segment)
  if (!header) refuse('invalid_dpop_proof', 'the proof header is not a JSON object', status)
  if (header.typ !== 'dpop+jwt') refuse('invalid_dpop_proof', 'typ must be "dpop+jwt"', status)
  const { alg, jwk } = header
  if (!isDpopAlgorithm(alg)) {
    refuse(
      'invalid_dpop_proof',
      `alg ${JSON.stringify(alg)} is not an accepted asymmetric algorithm`,
      status,
    )
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    refuse('invalid_dpop_proof', 'the proof header has no jwk', status)
  }
  const members = jwk as Record<string, unknown>
  if (PRIVATE_MEMBERS.some((member) => member in members)) {
    refuse('invalid_dpop_proof', 'the jwk holds a private or symmetric key', status)
  }
  let publicKey: KeyObject
  let jkt: string
  try {
    publicKey = createPublicKey({ key: members as never, format: 'jwk' })
    jkt = jwkThumbprint(members)
  } catch {
    refuse('invalid_dpop_proof', 'the jwk is not a public key', status)
  }
  if (!keyFitsAlgorithm(alg, publicKey)) {
    refuse('invalid_dpop_proof', `the jwk is not a key for ${alg}${keySizeNote(alg)}`, status)
  }
  const key = {
    alg,
    jkt,
    publicJwk: Object.freeze({ ...members }),
    hash: algorithmSpec(alg).hash,
    verifyKey: cryptoKeyFor(alg, publicKey),
  }
  proofKeys.set(segment, key)
  return key
}

interface SignatureCheck {
  hash: string | null | undefined
  signed: Buffer
  key: ReturnType<typeof cryptoKeyFor>
  signature: Buffer
}

// The signatures of one turn's proofs are checked back to back, not each between
// other requests' HTTP work: a DPoP request cost 5.81x a bearer one so, 8.50x
// one at a time (bench README, "DPoP proofs checked in a turn's batch").
const signatureVerifies = batchPerTurn((check: SignatureCheck) =>
  verify(check.hash, check.signed, check.key, check.signature),
)

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * Checks a DPoP proof as RFC 9449 §4.3 lists: one well-formed JWT, `typ`
 * dpop+jwt, an accepted asymmetric `alg`, a public `jwk` (no private
 * members) whose key verifies the signature, `htm` and `htu` of this request,
 * `iat` within the window, `ath` of the access token, the key's thumbprint
 * equal to the token's `cnf.jkt`, the server's nonce when it asks for one,
 * and a `jti` never seen before (recorded until the proof would be too old).
 *
 * @throws DpopProofError `invalid_dpop_proof` (or `use_dpop_nonce` for a
 *   missing or stale nonce) with a description naming the check that failed;
 *   ReplayCacheFullError (503) when the replay cache has no room left
 */
export async function verifyDpopProof(
  proof: string | undefined,
  expect: DpopProofExpectations,
): Promise<VerifiedDpopProof> {
  const status = expect.statusCode ?? 401
  if (typeof proof !== 'string' || proof === '') {
    refuse('invalid_dpop_proof', 'no DPoP proof was sent', status)
  }
  if (proof.length > MAX_PROOF_LENGTH) {
    refuse('invalid_dpop_proof', `the proof is longer than ${MAX_PROOF_LENGTH} characters`, status)
  }
  const parts = proof.split('.')
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
    refuse('invalid_dpop_proof', 'the proof is not a compact JWS', status)
  }
  const [headerSegment, payloadSegment, signatureSegment] = parts as [string, string, string]
  const key = proofKey(headerSegment, status)
  if (expect.algorithms && !expect.algorithms.includes(key.alg)) {
    refuse('invalid_dpop_proof', `alg ${key.alg} is not accepted here`, status)
  }
  const signed = Buffer.from(`${headerSegment}.${payloadSegment}`)
  const signature = Buffer.from(signatureSegment, 'base64url')
  let valid: boolean
  try {
    valid = await signatureVerifies({ hash: key.hash, signed, key: key.verifyKey, signature })
  } catch {
    valid = false
  }
  if (!valid) refuse('invalid_dpop_proof', 'the signature does not verify with the jwk', status)

  const claims = decodeJson(payloadSegment)
  if (!claims) refuse('invalid_dpop_proof', 'the proof payload is not a JSON object', status)
  const { jti, htm, htu, iat } = claims
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
    refuse('invalid_dpop_proof', 'jti must be a string of 1 to 256 characters', status)
  }
  if (htm !== expect.htm.toUpperCase()) {
    refuse(
      'invalid_dpop_proof',
      `htm does not match the request method ${expect.htm.toUpperCase()}`,
      status,
    )
  }
  const expectedHtu = normalizeHtu(expect.htu)
  if (typeof htu !== 'string' || expectedHtu === undefined || normalizeHtu(htu) !== expectedHtu) {
    refuse('invalid_dpop_proof', 'htu does not match the request URL', status)
  }
  // A NumericDate (RFC 7519 §2) may have a fraction.
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    refuse('invalid_dpop_proof', 'iat must be a number of seconds (NumericDate)', status)
  }
  const nowS = (expect.now ?? Date.now()) / 1000
  const maxAge = expect.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS
  const leeway = expect.leewaySeconds ?? 30
  if (iat > nowS + leeway) refuse('invalid_dpop_proof', 'iat is in the future', status)
  if (iat < nowS - maxAge)
    refuse('invalid_dpop_proof', `the proof is older than ${maxAge} s`, status)

  if (expect.accessToken !== undefined) {
    if (typeof claims.ath !== 'string') {
      refuse('invalid_dpop_proof', 'ath (the access token hash) is missing', status)
    }
    if (!sameText(claims.ath, accessTokenHash(expect.accessToken))) {
      refuse('invalid_dpop_proof', 'ath does not match the access token', status)
    }
  }
  if (expect.jkt !== undefined && !sameText(key.jkt, expect.jkt)) {
    refuse('invalid_dpop_proof', "the proof's key is not the one the token is bound to", status)
  }
  if (expect.isNonceValid) {
    const { nonce } = claims
    if (typeof nonce !== 'string' || !expect.isNonceValid(nonce)) {
      refuse('use_dpop_nonce', 'the server requires a current nonce in the DPoP proof', status)
    }
  }
  // Recorded last, so a proof refused for another reason does not use up its jti; kept
  // until the proof is too old anyway. Per key: one client cannot block another's jti.
  const check = await expect.replay.remember(`${key.jkt}:${jti}`, (iat + maxAge + leeway) * 1000)
  if (check === 'replayed')
    refuse('invalid_dpop_proof', 'the proof was already used (jti replay)', status)
  // The server is at capacity, not the client at fault: 503, retry shortly.
  if (check === 'full') throw new ReplayCacheFullError()
  return { alg: key.alg, jkt: key.jkt, jti, iat, publicJwk: key.publicJwk }
}

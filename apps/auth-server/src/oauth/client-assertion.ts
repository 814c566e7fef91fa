import { constants, createPublicKey, hash, type KeyObject, verify } from 'node:crypto'
import { batchPerTurn } from '@m2m/auth'
import { createMemoryReplayCache, type MemoryReplayCache } from '@m2m/auth/dpop'
import { LRUCache } from 'lru-cache'
import {
  CLIENT_ASSERTION_ALGS,
  type Client,
  type ClientAssertionAlg,
  type ClientCredential,
  privateKeyJwtCredentials,
  usesPrivateKeyJwt,
} from '../tenant/model.js'
import { auth0Errors } from './oauth-error.js'

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** An assertion may be valid for 5 minutes at most (from its `iat`, and from now). */
export const CLIENT_ASSERTION_MAX_LIFETIME_SECONDS = 300
/** Tolerated difference between the client's clock and ours, for `exp`, `iat`, `nbf`. */
export const CLIENT_ASSERTION_CLOCK_SKEW_SECONDS = 30
/** A 8192-bit RS256 assertion with generous claims is under 2 KB. */
const MAX_ASSERTION_LENGTH = 8192
/** Parsed credential keys kept: two for each of 10,000 clients. */
const MAX_PARSED_KEYS = 20_000
/** Longer identifiers are not ids: they are not looked up, nor logged. */
const MAX_ID_LENGTH = 256

/**
 * The `error_description` of each refusal (all 401 `invalid_client`). They say
 * what is wrong and never quote the assertion.
 */
export const ASSERTION_REFUSALS = Object.freeze({
  malformed: 'The client assertion is not a well-formed JWT',
  tooLong: 'The client assertion is too long',
  alg: `The client assertion must be signed with ${CLIENT_ASSERTION_ALGS.join(', ')}`,
  crit: 'The client assertion has critical header parameters this server does not understand',
  issSub: 'The client assertion must carry iss and sub, both the client_id',
  subNotClientId: 'The client assertion sub does not match client_id',
  notPrivateKeyJwt: 'The client is not configured for private_key_jwt authentication',
  unknownKid: 'The client assertion kid matches no credential of the client',
  signature: 'The client assertion signature is invalid (no registered credential verifies it)',
  credentialExpired: 'The credential that signed the client assertion has expired',
  audience: 'The client assertion audience is not valid',
  noExp: 'The client assertion has no numeric exp',
  expired: 'The client assertion is expired',
  tooFar: `The client assertion expires too far in the future (at most ${CLIENT_ASSERTION_MAX_LIFETIME_SECONDS / 60} minutes after it was issued)`,
  badIat: 'The client assertion iat is not a number',
  iatInFuture: 'The client assertion iat is in the future',
  beforeStart:
    'The client assertion was issued before the tenant started (its replay record is gone); sign a new one',
  badNbf: 'The client assertion nbf is not a number',
  notYetValid: 'The client assertion is not valid yet (nbf)',
  noJti: 'The client assertion has no jti',
  replayed: 'The client assertion was already used',
})

const algMismatch = (alg: string, credential: ClientCredential) =>
  `The client assertion is signed with ${alg}, but the credential with its kid is for ${credential.alg}`

/**
 * The audiences an assertion may name (RFC 7523 §3, item 3): the issuer, which
 * is Auth0's tenant URL (`https://<domain>/`), and the token endpoint, which
 * RFC 7523 allows. For an `http:` issuer (a local tenant), also their `https:`
 * forms: Auth0's SDKs always write `https://<domain>/`.
 */
export function clientAssertionAudiences(issuer: string): string[] {
  const forms = [issuer]
  if (issuer.startsWith('http:')) forms.push(`https:${issuer.slice('http:'.length)}`)
  return forms.flatMap((base) => [base, `${base}oauth/token`])
}

interface DecodedJwt {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  signingInput: string
  signature: Buffer
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * A compact JWS with JSON-object header and payload, undecided whether it
 * verifies (an unsecured JWT, `alg: none`, has an empty signature: decoded,
 * so that it is refused for its algorithm).
 */
function decodeJwt(assertion: string): DecodedJwt | undefined {
  const parts = assertion.split('.')
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) return undefined
  const [header, payload, signature] = parts as [string, string, string]
  if (header === '' || payload === '') return undefined
  const object = (part: string) => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined
    } catch {
      return undefined
    }
  }
  const decodedHeader = object(header)
  const decodedPayload = object(payload)
  if (!decodedHeader || !decodedPayload) return undefined
  return {
    header: decodedHeader,
    payload: decodedPayload,
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  }
}

/**
 * The `sub` of an assertion, NOT verified: only to name the client a request
 * claims to be, when the body has no `client_id` (logs, counters).
 */
export function assertionSubject(assertion: string): string | undefined {
  if (assertion.length > MAX_ASSERTION_LENGTH) return undefined
  const sub = decodeJwt(assertion)?.payload.sub
  return typeof sub === 'string' && sub !== '' && sub.length <= MAX_ID_LENGTH ? sub : undefined
}

function signatureVerifies(
  alg: ClientAssertionAlg,
  key: KeyObject,
  input: string,
  signature: Buffer,
): boolean {
  const data = Buffer.from(input)
  try {
    switch (alg) {
      case 'RS256':
        return verify('sha256', data, key, signature)
      case 'RS384':
        return verify('sha384', data, key, signature)
      case 'PS256':
        // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash, exactly.
        return verify(
          'sha256',
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
          signature,
        )
    }
  } catch {
    return false
  }
}

// The assertions of one turn's requests are checked back to back, as the tokens
// are signed: a public-key operation between other requests' HTTP work costs more.
const signatureVerifiesInTurn = batchPerTurn(
  (check: { alg: ClientAssertionAlg; key: KeyObject; input: string; signature: Buffer }) =>
    signatureVerifies(check.alg, check.key, check.input, check.signature),
)

export interface ClientAssertionVerifierOptions {
  /** The tenant's issuer, ending with `/`. */
  issuer: string
  findClient: (clientId: string) => Client | undefined
  /** Milliseconds since the epoch. */
  now?: () => number
  replay?: MemoryReplayCache
}

/**
 * `private_key_jwt` client authentication (RFC 7523 §3, OIDC Core §9), as
 * Auth0 checks it: the client is the assertion's `iss` and `sub` (and the
 * request's `client_id`, when given); one of its enabled credentials, by `kid`
 * when the header has one, verifies the signature with that credential's
 * algorithm (RS256, RS384 or PS256: never `none` nor HMAC, so a public key can
 * never be used as an HMAC secret); then `aud`, `exp` (required, at most 5
 * minutes ahead), `iat`, `nbf` and `jti` (required, never used twice while the
 * assertion could still be valid).
 *
 * The claims are checked and the `jti` recorded only once the signature
 * verified, so nobody without the key can use up a `jti` or learn about claims.
 * What comes before the signature (an unknown `kid`, an algorithm the client's
 * credentials do not use, a client that uses a secret) is answered as such: it
 * tells which clients use keys, not anything that helps forge an assertion.
 * The replay record lives in memory: assertions issued (`iat`) before this
 * verifier was created are refused, so a restart cannot replay one; an
 * assertion without `iat` is not covered. Returns the client; throws a 401
 * `invalid_client` `OAuthError` naming what is wrong.
 */
export function createClientAssertionVerifier(options: ClientAssertionVerifierOptions) {
  const now = options.now ?? Date.now
  const startedAt = now() / 1000
  const audiences = new Set(clientAssertionAudiences(options.issuer))
  // A million live `jti`s: 3,000 assertions a second of the longest lifetime (5½ minutes with the
  // clock skew), more tokens than one core signs.
  const replay = options.replay ?? createMemoryReplayCache({ now, maxEntries: 1_000_000 })
  // Parsed once per credential key, as the signer parses its private key once; the
  // least recently used goes first, so a tenant with more keys than room is not reparsed all at once.
  const keys = new LRUCache<string, KeyObject>({ max: MAX_PARSED_KEYS })
  const verifiesWith = async (
    credential: ClientCredential,
    alg: ClientAssertionAlg,
    jwt: DecodedJwt,
  ): Promise<boolean> => {
    let key = keys.get(credential.pem)
    if (!key) {
      try {
        key = createPublicKey({ key: credential.pem, format: 'pem' })
      } catch {
        return false // a state file edited by hand: that credential verifies nothing
      }
      keys.set(credential.pem, key)
    }
    return signatureVerifiesInTurn({ alg, key, input: jwt.signingInput, signature: jwt.signature })
  }
  // Typed on the constant, so that the compiler knows nothing runs after a call.
  const refuse: (description: string) => never = (description) => {
    throw auth0Errors.invalidClient(description)
  }

  /** The credential that verifies the signature; an expired one is refused after a live one. */
  async function verifyingCredential(client: Client, jwt: DecodedJwt, alg: ClientAssertionAlg) {
    const { kid } = jwt.header
    if (kid !== undefined && typeof kid !== 'string') return refuse(ASSERTION_REFUSALS.malformed)
    let candidates = privateKeyJwtCredentials(client)
    if (kid !== undefined) {
      candidates = candidates.filter((credential) => credential.kid === kid)
      const [named] = candidates
      if (!named) return refuse(ASSERTION_REFUSALS.unknownKid)
      if (named.alg !== alg) return refuse(algMismatch(alg, named))
    }
    const at = now()
    const expired = (credential: ClientCredential) =>
      credential.expires_at !== undefined && Date.parse(credential.expires_at) <= at
    const ordered = [
      ...candidates.filter((c) => !expired(c)),
      ...candidates.filter((c) => expired(c)),
    ]
    let credential: ClientCredential | undefined
    for (const candidate of ordered) {
      if (candidate.alg === alg && (await verifiesWith(candidate, alg, jwt))) {
        credential = candidate
        break
      }
    }
    if (!credential) return refuse(ASSERTION_REFUSALS.signature)
    if (expired(credential)) return refuse(ASSERTION_REFUSALS.credentialExpired)
    return credential
  }

  function checkClaims(client: Client, payload: Record<string, unknown>): void {
    const { aud, exp, iat, nbf, jti } = payload
    const named = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
    if (!named.some((value) => typeof value === 'string' && audiences.has(value))) {
      refuse(ASSERTION_REFUSALS.audience)
    }
    const t = now() / 1000
    const skew = CLIENT_ASSERTION_CLOCK_SKEW_SECONDS
    if (typeof exp !== 'number' || !Number.isFinite(exp)) refuse(ASSERTION_REFUSALS.noExp)
    if (exp + skew <= t) refuse(ASSERTION_REFUSALS.expired)
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) {
      refuse(ASSERTION_REFUSALS.badIat)
    }
    if (typeof iat === 'number' && iat > t + skew) refuse(ASSERTION_REFUSALS.iatInFuture)
    if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) {
      refuse(ASSERTION_REFUSALS.badNbf)
    }
    if (typeof nbf === 'number' && nbf > t + skew) refuse(ASSERTION_REFUSALS.notYetValid)
    // From its iat when it has one, and from now in any case: a far exp is refused
    // even with an old iat, so no assertion stays usable (or in the cache) for long.
    const issuedAt = typeof iat === 'number' ? iat : t
    const max = CLIENT_ASSERTION_MAX_LIFETIME_SECONDS
    if (exp - issuedAt > max || exp - t > max + skew) refuse(ASSERTION_REFUSALS.tooFar)
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_ID_LENGTH) {
      refuse(ASSERTION_REFUSALS.noJti)
    }
    if (typeof iat === 'number' && iat < startedAt - skew) refuse(ASSERTION_REFUSALS.beforeStart)
    // Kept until the assertion expires for good: after that, it is refused as expired.
    // By digest: 43 characters a record, whatever the ids' lengths (a million records kept at most).
    const record = hash('sha256', `${client.client_id}\u0000${jti}`, 'base64url')
    const seen = replay.remember(record, (exp + skew) * 1000)
    if (seen === 'replayed') refuse(ASSERTION_REFUSALS.replayed)
    if (seen === 'full') throw auth0Errors.assertionsUnavailable()
  }

  /**
   * Authenticates the client of `assertion`; `requestedClientId` is the
   * request's `client_id`, when it has one.
   */
  return async function authenticate(
    assertion: string,
    requestedClientId: string | undefined,
  ): Promise<Client> {
    if (assertion.length > MAX_ASSERTION_LENGTH) return refuse(ASSERTION_REFUSALS.tooLong)
    const jwt = decodeJwt(assertion)
    if (!jwt) return refuse(ASSERTION_REFUSALS.malformed)
    const { alg, crit } = jwt.header
    if (typeof alg !== 'string' || !(CLIENT_ASSERTION_ALGS as readonly string[]).includes(alg)) {
      return refuse(ASSERTION_REFUSALS.alg)
    }
    if (crit !== undefined) return refuse(ASSERTION_REFUSALS.crit)
    const { iss, sub } = jwt.payload
    if (typeof iss !== 'string' || iss === '' || iss !== sub || iss.length > MAX_ID_LENGTH) {
      return refuse(ASSERTION_REFUSALS.issSub)
    }
    if (requestedClientId !== undefined && requestedClientId !== sub) {
      return refuse(ASSERTION_REFUSALS.subNotClientId)
    }
    // An unknown client and a client with a secret get the same answer.
    const client = options.findClient(sub)
    if (!client || !usesPrivateKeyJwt(client)) return refuse(ASSERTION_REFUSALS.notPrivateKeyJwt)
    await verifyingCredential(client, jwt, alg as ClientAssertionAlg)
    checkClaims(client, jwt.payload)
    return client
  }
}

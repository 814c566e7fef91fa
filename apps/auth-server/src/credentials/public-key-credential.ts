import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto'
import { generateId } from '../secrets.js'
import {
  CLIENT_ASSERTION_ALGS,
  type ClientAssertionAlg,
  type ClientCredential,
} from '../tenant/model.js'

/** Auth0's limit: two credentials per client, so a key can be rotated with no downtime. */
export const MAX_CLIENT_CREDENTIALS = 2
/** Auth0's format for a `kid` given with a credential. */
export const CREDENTIAL_KID_PATTERN = '^[0-9a-zA-Z_-]{10,64}$'
/** Room for a 8192-bit key's certificate; a PEM longer than that is not a public key. */
export const MAX_PEM_LENGTH = 16_384
const MIN_RSA_BITS = 2048
const MAX_RSA_BITS = 8192

/** A credential as the tenant file or the Management API gives it (Auth0's `PublicKeyCredential`). */
export interface PublicKeyCredentialInput {
  credential_type?: string
  name?: string
  pem?: string
  alg?: string
  kid?: string
  expires_at?: string | null
  parse_expiry_from_cert?: boolean
  /** For certificate credentials (mTLS), which the local tenant does not take. */
  subject_dn?: string
}

/** What is wrong with an input, by field (`pem`, `expires_at`, …); never showing a key. */
export interface CredentialProblem {
  field: string
  message: string
}

export type CredentialResult =
  | { ok: true; credential: ClientCredential }
  | { ok: false; problem: CredentialProblem }

/**
 * Checks a credential and builds it: an RSA public key of 2048 bits or more
 * (SPKI or PKCS#1 PEM, or an X.509 certificate, as Auth0 takes them), one of
 * Auth0's algorithms, a `kid` (by default the key's RFC 7638 thumbprint).
 * A private key is refused, never stored. `refusePastExpiry` (the Management
 * API) refuses an `expires_at` already past; a tenant file may hold one.
 */
export function buildPublicKeyCredential(
  input: PublicKeyCredentialInput,
  options: { now: Date; refusePastExpiry: boolean },
): CredentialResult {
  const fail = (field: string, message: string): CredentialResult => ({
    ok: false,
    problem: { field, message },
  })
  const type = input.credential_type ?? 'public_key'
  if (type !== 'public_key') {
    return fail(
      'credential_type',
      'only public_key credentials (private_key_jwt) are supported by the local tenant',
    )
  }
  if (input.subject_dn !== undefined) {
    return fail('subject_dn', 'applies to certificate credentials only (mTLS), not to public_key')
  }
  if (input.pem === undefined || input.pem.trim() === '') return fail('pem', 'is required')
  const alg = input.alg ?? 'RS256'
  if (!(CLIENT_ASSERTION_ALGS as readonly string[]).includes(alg)) {
    return fail('alg', `must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`)
  }
  if (input.kid !== undefined && !new RegExp(CREDENTIAL_KID_PATTERN).test(input.kid)) {
    return fail('kid', 'must be 10 to 64 letters, digits, "-" or "_"')
  }
  const parsed = parsePublicKeyPem(input.pem)
  if ('problem' in parsed) return fail('pem', parsed.problem)

  let expiresAt: string | undefined
  if (input.parse_expiry_from_cert === true) {
    if (parsed.notAfter === undefined) {
      return fail('parse_expiry_from_cert', 'needs a pem that is an X.509 certificate')
    }
    expiresAt = parsed.notAfter.toISOString()
  }
  if (input.expires_at !== undefined && input.expires_at !== null) {
    const at = parseDate(input.expires_at)
    if (at === undefined) return fail('expires_at', 'must be an ISO 8601 date and time')
    expiresAt = at.toISOString()
  }
  if (
    options.refusePastExpiry &&
    expiresAt !== undefined &&
    Date.parse(expiresAt) <= options.now.getTime()
  ) {
    return fail('expires_at', 'must be in the future')
  }

  const now = options.now.toISOString()
  return {
    ok: true,
    credential: {
      id: generateId('cred'),
      ...(input.name === undefined ? {} : { name: input.name }),
      credential_type: 'public_key',
      kid: input.kid ?? jwkThumbprint(parsed.key),
      alg: alg as ClientAssertionAlg,
      pem: parsed.key.export({ type: 'spki', format: 'pem' }).toString(),
      created_at: now,
      updated_at: now,
      ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
    },
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----/g
const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE'])

/**
 * An RSA public key from a PEM block: `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY`
 * (PKCS#1) or `CERTIFICATE` (its key, and its end of validity). Problems are
 * phrased to follow the field name and never quote the PEM.
 */
export function parsePublicKeyPem(
  pem: string,
): { key: KeyObject; notAfter?: Date } | { problem: string } {
  if (pem.length > MAX_PEM_LENGTH) {
    return { problem: `is longer than ${MAX_PEM_LENGTH} characters` }
  }
  const text = pem.trim()
  const labels = [...text.matchAll(PEM_BLOCK)].map((m) => m[1] as string)
  // createPublicKey would derive the public key from a private one: a private key
  // must not be accepted, let alone stored.
  if (labels.some((label) => label.includes('PRIVATE'))) {
    return { problem: 'is a private key: register its public key only' }
  }
  const [label] = labels
  if (labels.length !== 1 || label === undefined || !PUBLIC_LABELS.has(label)) {
    return {
      problem:
        'must be one PEM block: a PUBLIC KEY (SPKI), an RSA PUBLIC KEY (PKCS#1) or a CERTIFICATE',
    }
  }
  if (!text.startsWith(`-----BEGIN ${label}-----`) || !text.endsWith(`-----END ${label}-----`)) {
    return { problem: `is not a well-formed PEM ${label} block` }
  }

  let key: KeyObject
  let notAfter: Date | undefined
  try {
    if (label === 'CERTIFICATE') {
      const certificate = new X509Certificate(text)
      key = certificate.publicKey
      notAfter = new Date(certificate.validTo)
    } else {
      key = createPublicKey({ key: text, format: 'pem' })
    }
  } catch {
    return { problem: `is not a valid PEM ${label.toLowerCase()}` }
  }
  if (key.asymmetricKeyType !== 'rsa') {
    return { problem: `must be an RSA key (got ${key.asymmetricKeyType ?? 'an unknown'} key)` }
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    return {
      problem: `must be an RSA key of ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits (got ${bits})`,
    }
  }
  // A huge public exponent makes every verification slow; real keys use 65537.
  const exponent = key.asymmetricKeyDetails?.publicExponent ?? 0n
  if (exponent < 3n || exponent > 0xffff_ffffn || exponent % 2n === 0n) {
    return { problem: 'has an unusable RSA public exponent' }
  }
  return notAfter === undefined ? { key } : { key, notAfter }
}

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA public key: its
 * required members `e`, `kty`, `n` in that order, with no whitespace.
 */
export function jwkThumbprint(key: KeyObject): string {
  const { e, n } = key.export({ format: 'jwk' }) as { e: string; n: string }
  return createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url')
}

/** A credential as Auth0's Management API answers it: everything but the key itself. */
export function credentialView(credential: ClientCredential) {
  const { pem: _pem, ...view } = credential
  return view
}

/** An ISO 8601 date, with a time and its offset (a date alone is midnight UTC). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/

function parseDate(text: string): Date | undefined {
  if (!ISO_DATE.test(text)) return undefined
  const at = new Date(text)
  return Number.isNaN(at.getTime()) ? undefined : at
}

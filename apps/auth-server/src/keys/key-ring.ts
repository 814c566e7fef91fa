import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  randomBytes,
} from 'node:crypto'
import { join } from 'node:path'
import { SigningKeyInUseError, SigningKeyNotFoundError } from '../errors.js'
import { readJsonFile, writeFileAtomic } from '../state/json-file.js'
import { certificateDer, certificateSha1, selfSignedCertificate } from './self-signed-cert.js'

/** One signing key. Only non-revoked keys are published in the JWKS. */
export interface SigningKey {
  kid: string
  privateKeyPem: string
  /** As Auth0 publishes it: with the certificate (`x5c`) and its SHA-1 (`x5t`). */
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig'; x5c?: string[]; x5t?: string }
  /** Self-signed X.509 certificate of the key (PEM); absent in files from before it was kept. */
  certPem?: string
  createdAt: string
  /** When it became the signing key. */
  currentSince?: string
  revokedAt?: string
}

/** Auth0's `GET /api/v2/keys/signing` record. */
export interface SigningKeyRecord {
  kid: string
  cert: string
  fingerprint: string
  thumbprint: string
  current: boolean
  next: boolean
  previous: boolean
  current_since?: string
  revoked: boolean
  revoked_at?: string
}

interface KeyRingFile {
  current: string
  next: string
  keys: SigningKey[]
}

export interface KeyRing {
  /** The key that signs new tokens. */
  current(): SigningKey
  /** Every key that still verifies (current, next, previous ones not revoked). */
  published(): SigningKey[]
  jwks(): { keys: SigningKey['publicJwk'][] }
  list(): SigningKeyRecord[]
  /** One key's record, revoked ones included; undefined for an unknown `kid`. */
  get(kid: string): SigningKeyRecord | undefined
  /**
   * The next key becomes current, the current one previous (published until
   * revoked, as on Auth0), and a new next key is made.
   */
  rotate(): Promise<{ kid: string }>
  /** Revokes a previous key: tokens it signed stop verifying; its private key is dropped. */
  revoke(kid: string): Promise<SigningKeyRecord>
  onChange(listener: () => void): void
}

export interface KeyRingOptions {
  /** The certificates' `CN`. Default `localhost`; the server passes its issuer's host. */
  commonName?: string
}

/**
 * Loads the tenant's signing keys from `dir` (creating a current and a next
 * key on first start). Private keys are written with owner-only permissions;
 * without `dir` keys live in memory only.
 */
export async function openKeyRing(
  dir: string | undefined,
  options: KeyRingOptions = {},
): Promise<KeyRing> {
  const commonName = options.commonName ?? 'localhost'
  const file = dir ? join(dir, 'signing-keys.json') : undefined
  let state = (file && (await readJsonFile<KeyRingFile>(file))) || undefined
  if (!state) {
    const current = createSigningKey(true, commonName)
    const next = createSigningKey(false, commonName)
    state = { current: current.kid, next: next.kid, keys: [current, next] }
    await save()
  } else if (state.keys.map((key) => withCertificate(key, commonName)).includes(true)) {
    // map, not some: every key of the file gets its certificate.
    await save()
  }
  const listeners: Array<() => void> = []

  async function save(): Promise<void> {
    if (file && state) await writeFileAtomic(file, JSON.stringify(state, null, 2))
  }

  function byKid(kid: string): SigningKey | undefined {
    return state?.keys.find((key) => key.kid === kid)
  }

  function toRecord(key: SigningKey): SigningKeyRecord {
    const s = state as KeyRingFile
    const publicKey = createPublicKey({ key: key.publicJwk, format: 'jwk' })
    // A key from before certificates were kept, whose private key is gone, has none: its
    // public key stands in.
    const der = key.certPem
      ? certificateDer(key.certPem)
      : publicKey.export({ type: 'spki', format: 'der' })
    const thumbprint = createHash('sha1').update(der).digest('hex')
    return {
      kid: key.kid,
      cert: key.certPem ?? publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      fingerprint: formatFingerprint(thumbprint),
      thumbprint,
      current: key.kid === s.current,
      next: key.kid === s.next,
      previous: key.kid !== s.current && key.kid !== s.next && !key.revokedAt,
      ...(key.currentSince ? { current_since: key.currentSince } : {}),
      revoked: Boolean(key.revokedAt),
      ...(key.revokedAt ? { revoked_at: key.revokedAt } : {}),
    }
  }

  const ring: KeyRing = {
    current() {
      return byKid((state as KeyRingFile).current) as SigningKey
    },
    published() {
      return (state as KeyRingFile).keys.filter((key) => !key.revokedAt)
    },
    jwks() {
      return { keys: ring.published().map((key) => key.publicJwk) }
    },
    list() {
      return (state as KeyRingFile).keys.map(toRecord)
    },
    get(kid) {
      const key = byKid(kid)
      return key && toRecord(key)
    },
    async rotate() {
      const s = state as KeyRingFile
      const promoted = byKid(s.next) as SigningKey
      promoted.currentSince = new Date().toISOString()
      const next = createSigningKey(false, commonName)
      // The key that signed until now stays published (previous) until revoked; it never
      // signs again, so its private key is dropped.
      const retired = byKid(s.current)
      if (retired) retired.privateKeyPem = ''
      state = { current: promoted.kid, next: next.kid, keys: [...s.keys, next] }
      await save()
      for (const listener of listeners) listener()
      return { kid: promoted.kid }
    },
    async revoke(kid) {
      const s = state as KeyRingFile
      const key = byKid(kid)
      if (!key) throw new SigningKeyNotFoundError()
      if (kid === s.current || kid === s.next) {
        throw new SigningKeyInUseError()
      }
      key.revokedAt ??= new Date().toISOString()
      key.privateKeyPem = ''
      await save()
      for (const listener of listeners) listener()
      return toRecord(key)
    },
    onChange(listener) {
      listeners.push(listener)
    },
  }
  return ring
}

function createSigningKey(current: boolean, commonName: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomBytes(16).toString('base64url')
  const jwk = publicKey.export({ format: 'jwk' })
  const now = new Date()
  const certPem = selfSignedCertificate({ privateKey, publicKey }, commonName, now)
  return {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig', ...x5(certPem) },
    certPem,
    createdAt: now.toISOString(),
    ...(current ? { currentSince: now.toISOString() } : {}),
  }
}

/** The JWK members that carry a certificate: the chain (one self-signed DER) and its SHA-1. */
function x5(certPem: string): { x5c: string[]; x5t: string } {
  return {
    x5c: [certificateDer(certPem).toString('base64')],
    x5t: certificateSha1(certPem, 'base64url'),
  }
}

/**
 * Gives a key from an older file its certificate when its private key is still
 * there to sign it. True when the key changed.
 */
function withCertificate(key: SigningKey, commonName: string): boolean {
  if (key.certPem || !key.privateKeyPem || key.revokedAt) return false
  const privateKey = createPrivateKey(key.privateKeyPem)
  const publicKey = createPublicKey(privateKey)
  key.certPem = selfSignedCertificate({ privateKey, publicKey }, commonName)
  Object.assign(key.publicJwk, x5(key.certPem))
  return true
}

function formatFingerprint(hex: string): string {
  return (hex.match(/../g) ?? []).join(':').toUpperCase()
}

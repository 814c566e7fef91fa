import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  randomBytes,
} from 'node:crypto'
import { join } from 'node:path'
import { SigningKeyInUseError, SigningKeyNotFoundError } from '../errors.js'
import { readJsonFile, writeFileAtomic } from '../state/json-file.js'

/** One signing key. Only non-revoked keys are published in the JWKS. */
export interface SigningKey {
  kid: string
  privateKeyPem: string
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' }
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
  /** The next key becomes current, the current one previous, and a new next key is made. */
  rotate(): Promise<{ kid: string }>
  /** Revokes a previous key: tokens it signed stop verifying; its private key is dropped. */
  revoke(kid: string): Promise<SigningKeyRecord>
  onChange(listener: () => void): void
}

/**
 * Loads the tenant's signing keys from `dir` (creating a current and a next
 * key on first start). Private keys are written with owner-only permissions;
 * without `dir` keys live in memory only.
 */
export async function openKeyRing(dir: string | undefined): Promise<KeyRing> {
  const file = dir ? join(dir, 'signing-keys.json') : undefined
  let state = (file && (await readJsonFile<KeyRingFile>(file))) || undefined
  if (!state) {
    const current = createSigningKey(true)
    const next = createSigningKey(false)
    state = { current: current.kid, next: next.kid, keys: [current, next] }
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
    const der = publicKey.export({ type: 'spki', format: 'der' })
    return {
      kid: key.kid,
      // A real tenant publishes an X.509 certificate; we publish the public key itself.
      cert: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      fingerprint: formatFingerprint(createHash('sha1').update(der).digest('hex')),
      thumbprint: createHash('sha1').update(der).digest('hex'),
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
    async rotate() {
      const s = state as KeyRingFile
      const promoted = byKid(s.next) as SigningKey
      promoted.currentSince = new Date().toISOString()
      const next = createSigningKey(false)
      // One previous key at a time (the one that signed until now): older
      // ones are revoked and their private keys dropped.
      const now = new Date().toISOString()
      for (const key of s.keys) {
        if (key.kid !== s.current && key.kid !== s.next && !key.revokedAt) {
          key.revokedAt = now
        }
        if (key.revokedAt) key.privateKeyPem = ''
      }
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

function createSigningKey(current: boolean): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomBytes(16).toString('base64url')
  const jwk = publicKey.export({ format: 'jwk' })
  const now = new Date().toISOString()
  return {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' },
    createdAt: now,
    ...(current ? { currentSince: now } : {}),
  }
}

function formatFingerprint(hex: string): string {
  return (hex.match(/../g) ?? []).join(':').toUpperCase()
}

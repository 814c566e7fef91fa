import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { InvalidOptionError } from '../errors.js'
import type { CachedToken } from './token-cache.js'

/** What an encryption key may be given as: 32 bytes, or their hex or base64(url) text. */
export type TokenEncryptionKey = string | Uint8Array

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16
const HEX_KEY = /^[0-9a-fA-F]{64}$/
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/

/**
 * Reads a 256-bit key from bytes, 64 hex digits or base64/base64url
 * (`openssl rand -base64 32`). Anything else is refused, so a typo or a
 * passphrase never becomes a weak key.
 */
export function decodeTokenEncryptionKey(key: TokenEncryptionKey, name = 'encryptionKey'): Buffer {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw new InvalidOptionError(`${name} must be 32 bytes`)
    return Buffer.from(key)
  }
  if (typeof key !== 'string') {
    throw new InvalidOptionError(`${name} must be 32 bytes, as bytes, hex or base64`)
  }
  const text = key.trim()
  const bytes = HEX_KEY.test(text)
    ? Buffer.from(text, 'hex')
    : BASE64_KEY.test(text)
      ? Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
      : undefined
  if (bytes?.length !== 32) {
    throw new InvalidOptionError(
      `${name} must be 32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)`,
    )
  }
  return bytes
}

/** Seals tokens for a shared cache and opens them again; `undefined` for anything not genuine. */
export interface TokenSealer {
  /** `<fingerprint>.v1.<kid>.<iv>.<ciphertext>.<tag>`, all base64url. */
  seal(storageKey: string, token: CachedToken): string
  open(storageKey: string, value: string): CachedToken | undefined
}

/**
 * AES-256-GCM with a random 96-bit IV per write. The additional data binds an
 * entry to its storage key, key id and fingerprint, so a value copied under
 * another key, or an edited fingerprint, fails authentication like any
 * tampering. The fingerprint (SHA-256 of the access token) stays readable so
 * Redis can compare-and-delete without the key; it reveals nothing of the
 * token. `decryptionKeys` open entries written before a key rotation.
 */
export function createTokenSealer(
  encryptionKey: TokenEncryptionKey,
  decryptionKeys: readonly TokenEncryptionKey[] = [],
): TokenSealer {
  const current = withId(decodeTokenEncryptionKey(encryptionKey))
  const byId = new Map<string, Buffer>([[current.id, current.key]])
  decryptionKeys.forEach((key, index) => {
    const entry = withId(decodeTokenEncryptionKey(key, `previousEncryptionKeys[${index}]`))
    if (!byId.has(entry.id)) byId.set(entry.id, entry.key)
  })

  return {
    seal(storageKey, token) {
      const fingerprint = tokenFingerprint(token.accessToken)
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES })
      cipher.setAAD(additionalData(storageKey, current.id, fingerprint))
      const plaintext = JSON.stringify({
        a: token.accessToken,
        t: token.tokenType,
        e: token.expiresAt,
        r: token.refreshAt,
        ...(token.scope === undefined ? {} : { s: token.scope }),
      })
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return [
        fingerprint,
        VERSION,
        current.id,
        iv.toString('base64url'),
        ciphertext.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.')
    },

    open(storageKey, value) {
      const parts = value.split('.')
      if (parts.length !== 6) return undefined
      const [fingerprint, version, id, iv, ciphertext, tag] = parts as [
        string,
        string,
        string,
        string,
        string,
        string,
      ]
      const key = byId.get(id)
      if (version !== VERSION || !key) return undefined
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
          authTagLength: TAG_BYTES,
        })
        decipher.setAAD(additionalData(storageKey, id, fingerprint))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        const plaintext = Buffer.concat([
          decipher.update(Buffer.from(ciphertext, 'base64url')),
          decipher.final(),
        ]).toString('utf8')
        const token = toCachedToken(JSON.parse(plaintext))
        return token && tokenFingerprint(token.accessToken) === fingerprint ? token : undefined
      } catch {
        return undefined
      }
    },
  }
}

/** The readable part of a sealed entry: SHA-256 of the access token, base64url. */
export function tokenFingerprint(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url')
}

function withId(key: Buffer): { id: string; key: Buffer } {
  // Names the key in each entry without revealing it: a truncated hash under a fixed label.
  const id = createHash('sha256')
    .update('@m2m/auth token cache key id')
    .update(key)
    .digest('base64url')
    .slice(0, 11)
  return { id, key }
}

function additionalData(storageKey: string, keyId: string, fingerprint: string): Buffer {
  return Buffer.from(JSON.stringify([VERSION, storageKey, keyId, fingerprint]), 'utf8')
}

function toCachedToken(value: unknown): CachedToken | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { a, t, e, r, s } = value as Record<string, unknown>
  if (typeof a !== 'string' || typeof t !== 'string') return undefined
  if (typeof e !== 'number' || typeof r !== 'number') return undefined
  if (s !== undefined && typeof s !== 'string') return undefined
  return { accessToken: a, tokenType: t, expiresAt: e, refreshAt: r, scope: s }
}

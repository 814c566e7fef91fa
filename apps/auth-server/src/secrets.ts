import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { LRUCache } from 'lru-cache'

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>

const SCRYPT = { N: 16_384, r: 8, p: 1 }
const KEY_LENGTH = 32

/** A client secret: 48 random bytes (384 bits), base64url, as long as Auth0's. */
export function generateClientSecret(): string {
  return randomBytes(48).toString('base64url')
}

/** A client id: 32 characters from 24 random bytes, shaped like Auth0's. */
export function generateClientId(): string {
  return randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')
}

/** An opaque id with a prefix, as Auth0's (`cgr_…`, `org_…`, `rs_…`). */
export function generateId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`
}

const DIGEST_SCHEME = 'sha256'
const SALT_LENGTH = 16

/**
 * The stored form of a secret the tenant generated itself (384 random bits):
 * its SHA-256, `sha256$<digest>`. A slow hash protects secrets a person could
 * guess; nobody searches 2^384 secrets, so the tenant starts as fast with ten
 * thousand clients as with one. A secret given in the tenant file is hashed
 * with scrypt (`hashSecret`).
 */
export function hashGeneratedSecret(secret: string): string {
  return `${DIGEST_SCHEME}$${hash('sha256', secret, 'base64url')}`
}

/** Hashes a secret with scrypt and a random salt: `scrypt$<salt>$<hash>`. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH)
  const derived = await scryptAsync(secret, salt, KEY_LENGTH, SCRYPT)
  return `scrypt$${salt.toString('base64url')}$${derived.toString('base64url')}`
}

/**
 * Checks a presented secret against a stored hash in constant time: a
 * `sha256$` digest (a generated secret) or a `scrypt$` hash.
 *
 * scrypt is deliberately slow (~30 ms), which would cap token issuance; so a
 * secret that verified once is remembered as its SHA-256 next to the stored
 * hash it matched, and later requests compare digests (also in constant time).
 * Keyed by the stored hash, a remembered secret stops counting the moment the
 * client's secret is rotated (the new hash has its own salt). Every failure
 * pays the full scrypt cost — an unknown client too (against a dummy hash), so
 * timing does not tell which client ids exist.
 *
 * Concurrent checks of the same secret against the same hash (a client's
 * first burst, or a flood of one wrong secret) share one scrypt run instead of
 * each paying their own.
 */
export function createSecretChecker(maxRemembered = 10_000) {
  // Least recently used out first: past `maxRemembered` scrypt clients, one pays scrypt again, not all.
  const verified = new LRUCache<string, Buffer>({ max: maxRemembered })
  const running = new Map<string, Promise<boolean>>()
  // Made now, so that the first failures cost one scrypt as every later one does.
  const dummy = hashSecret(generateClientSecret()).then(
    (text) => parseStoredHash(text) as ScryptHash,
  )

  async function scryptMatches(stored: ScryptHash, presented: string): Promise<boolean> {
    const actual = await scryptAsync(presented, stored.salt, KEY_LENGTH, SCRYPT)
    return timingSafeEqual(actual, stored.hash)
  }

  async function check(storedHash: string | undefined, presented: string): Promise<boolean> {
    const digest = hash('sha256', presented, 'buffer')
    const stored = parseStoredHash(storedHash)
    if (stored?.scheme === DIGEST_SCHEME && timingSafeEqual(stored.digest, digest)) return true
    // A wrong generated secret, an unknown client or a stored hash of no known form pays the
    // scrypt every failure pays (against a dummy hash), and is refused: timing tells nothing.
    const ours = stored?.scheme === 'scrypt' ? stored : undefined
    const against = ours ?? (await dummy)
    const known = ours && verified.get(ours.text)
    if (known && timingSafeEqual(known, digest)) return true

    // By hash and digest: only the same secret against the same stored hash shares a run.
    const flight = `${against.text} ${digest.toString('base64url')}`
    let matches = running.get(flight)
    if (!matches) {
      matches = scryptMatches(against, presented).finally(() => running.delete(flight))
      running.set(flight, matches)
    }
    // Awaited whatever the stored hash: an unknown client's answer waits for its scrypt too.
    const ok = (await matches) && ours !== undefined
    if (ok) verified.set(against.text, digest)
    return ok
  }

  return check
}

type ScryptHash = { scheme: 'scrypt'; text: string; salt: Buffer; hash: Buffer }
type StoredHash = { scheme: typeof DIGEST_SCHEME; digest: Buffer } | ScryptHash

/**
 * A stored hash in one of the two forms this tenant writes, with their lengths
 * (a 32-byte digest; a 16-byte salt and a 32-byte scrypt key); anything else
 * (a file edited by hand, a key of no length) is no hash and matches nothing.
 */
function parseStoredHash(text: string | undefined): StoredHash | undefined {
  if (text === undefined) return undefined
  const parts = text.split('$')
  const [scheme, first = '', second = ''] = parts
  if (scheme === DIGEST_SCHEME && parts.length === 2) {
    const digest = Buffer.from(first, 'base64url')
    return digest.length === 32 ? { scheme, digest } : undefined
  }
  if (scheme === 'scrypt' && parts.length === 3) {
    const salt = Buffer.from(first, 'base64url')
    const key = Buffer.from(second, 'base64url')
    if (salt.length === SALT_LENGTH && key.length === KEY_LENGTH) {
      return { scheme, text, salt, hash: key }
    }
  }
  return undefined
}

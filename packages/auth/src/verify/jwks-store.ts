import type { JsonWebKey } from 'node:crypto'
import { type Dispatcher, request } from 'undici'
import { JwksUnavailableError, UnknownKeyError } from '../errors.js'
import type { KeyVerifyFn } from './key-verifier.js'

type Jwk = JsonWebKey & { kid?: string; alg?: string; use?: string }

export interface JwksStoreOptions {
  jwksUri: string
  /** Builds the verifier of one key, or `undefined` to skip a key we cannot use. */
  createKeyVerifier: (jwk: Jwk) => KeyVerifyFn | undefined
  /** At most one fetch for unknown `kid`s per this many ms. */
  cooldownMs: number
  /** After a failed fetch, the next may start after this many ms. */
  errorCooldownMs: number
  /** Known keys are re-read in the background after this many ms, to drop removed ones. */
  maxAgeMs: number
  timeoutMs: number
  dispatcher: Dispatcher
  now: () => number
  /** Reads the JWKS another way than fetching `jwksUri` (an in-process key ring, say). */
  loadJwks?: (() => Promise<unknown> | unknown) | undefined
  /** Told of each fetch when it ends: whether it succeeded and how long it took, in seconds. */
  onFetch?: ((ok: boolean, seconds: number) => void) | undefined
}

export interface JwksStore {
  /**
   * The verifier of a known key, without I/O (a re-read of a set older than
   * `maxAgeMs` starts in the background). `nowMs`: the caller's reading of the
   * store's clock, when it has just taken one (default: read now).
   */
  get(kid: string, nowMs?: number): KeyVerifyFn | undefined
  /** The verifier of `kid`, fetching the JWKS if the key is new and the cooldown allows. */
  resolve(kid: string): Promise<KeyVerifyFn>
  /** Fetches the JWKS now (at start-up, say), subject to single flight. */
  refresh(): Promise<void>
  /** `kid`s currently known. */
  kids(): string[]
}

const MAX_JWKS_BYTES = 256 * 1024
const MAX_KEYS = 100

/**
 * The issuer's signing keys, one imported verifier per `kid`.
 *
 * A flood of tokens with random `kid`s cannot hammer the JWKS endpoint: at
 * most one fetch is in flight and at most one starts per cooldown. Keys
 * already known keep working while the endpoint is down. The whole set is
 * replaced on each successful fetch, so a key removed from the JWKS stops
 * verifying once the store re-reads it (on a new `kid`, or after `maxAgeMs`).
 */
export function createJwksStore(options: JwksStoreOptions): JwksStore {
  let keys = new Map<string, KeyVerifyFn>()
  let keyMaterials = new Map<string, string>()
  let fetchedAt = Number.NEGATIVE_INFINITY
  let nextFetchAllowedAt = Number.NEGATIVE_INFINITY
  let lastError: Error | undefined
  let inflight: Promise<void> | undefined

  function startFetch(): Promise<void> {
    if (inflight) return inflight
    const startedAt = options.now()
    const timer = performance.now()
    const flight = fetchKeys()
      .then((fresh) => {
        keys = fresh
        fetchedAt = options.now()
        lastError = undefined
        nextFetchAllowedAt = startedAt + options.cooldownMs
        options.onFetch?.(true, (performance.now() - timer) / 1000)
      })
      .catch((error: Error) => {
        lastError = error
        nextFetchAllowedAt = startedAt + options.errorCooldownMs
        options.onFetch?.(false, (performance.now() - timer) / 1000)
      })
      .finally(() => {
        if (inflight === flight) inflight = undefined
      })
    inflight = flight
    return flight
  }

  async function fetchKeys(): Promise<Map<string, KeyVerifyFn>> {
    const body = (await (options.loadJwks ?? (() => fetchJwks(options)))()) as { keys?: unknown }
    if (typeof body !== 'object' || body === null || !Array.isArray(body.keys)) {
      throw new Error('the JWKS has no keys array')
    }
    const fresh = new Map<string, KeyVerifyFn>()
    const freshMaterial = new Map<string, string>()
    for (const jwk of body.keys.slice(0, MAX_KEYS) as Jwk[]) {
      if (typeof jwk !== 'object' || jwk === null || typeof jwk.kid !== 'string') continue
      if (fresh.has(jwk.kid)) continue
      // The same kid with the same key keeps its verifier (no re-import, and verified
      // tokens cached under it stay valid); a kid republished with other key material
      // gets a new one, so tokens cached under the old key are verified again.
      const material = keyMaterial(jwk)
      const verify =
        material === keyMaterials.get(jwk.kid) ? keys.get(jwk.kid) : options.createKeyVerifier(jwk)
      if (verify) {
        fresh.set(jwk.kid, verify)
        freshMaterial.set(jwk.kid, material)
      }
    }
    keyMaterials = freshMaterial
    return fresh
  }

  function mayFetch(): boolean {
    return options.now() >= nextFetchAllowedAt
  }

  return {
    get(kid, nowMs = options.now()) {
      const verify = keys.get(kid)
      if (verify && !inflight && nowMs - fetchedAt > options.maxAgeMs && mayFetch()) {
        void startFetch()
      }
      return verify
    },
    async resolve(kid) {
      const known = keys.get(kid)
      if (known) return known
      if (inflight) await inflight
      else if (mayFetch()) await startFetch()
      const verify = keys.get(kid)
      if (verify) return verify
      if (lastError) {
        throw new JwksUnavailableError(lastError.message, { cause: lastError })
      }
      throw new UnknownKeyError(`no key with this kid in ${options.jwksUri}`)
    },
    async refresh() {
      await startFetch()
      if (lastError) throw new JwksUnavailableError(lastError.message, { cause: lastError })
    },
    kids() {
      return [...keys.keys()]
    },
  }
}

/** Fetches and parses the JWKS over HTTP, bounded in time and size. */
async function fetchJwks(options: JwksStoreOptions): Promise<unknown> {
  const response = await request(options.jwksUri, {
    method: 'GET',
    headers: { accept: 'application/json' },
    dispatcher: options.dispatcher,
    signal: AbortSignal.timeout(options.timeoutMs),
  })
  if (response.statusCode !== 200) {
    await response.body.dump()
    throw new Error(`the JWKS endpoint answered ${response.statusCode}`)
  }
  const declared = Number(response.headers['content-length'])
  if (declared > MAX_JWKS_BYTES) {
    await response.body.dump()
    throw new Error('the JWKS is too large')
  }
  // Counted while reading: a chunked body declares no length, and must not be buffered whole.
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_JWKS_BYTES) throw new Error('the JWKS is too large')
    chunks.push(chunk)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

function keyMaterial(jwk: Jwk): string {
  return JSON.stringify([jwk.kty, jwk.alg, jwk.use, jwk.n, jwk.e, jwk.crv, jwk.x, jwk.y])
}

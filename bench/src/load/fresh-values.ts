/**
 * Pools of values a server accepts once only (DPoP proofs, client
 * assertions), made in the load worker before the runs that send them. See
 * `FreshSpec`.
 */
import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto'
import { createDpopKey, createDpopProof, DEFAULT_MAX_AGE_SECONDS } from '@m2m/auth/dpop'
import { base64urlJson, signRs256 } from '../runner/compact-jws.js'
import type { FreshSpec } from './load-job.js'

/** An assertion lives one minute, as `createClientAssertionSigner` of @m2m/auth makes them. */
const ASSERTION_LIFETIME_S = 60
/**
 * A pool's values are kept from one fill to the next while the oldest is
 * younger than this; else they are dropped and made anew. Half of what the
 * servers accept: the other half is for the fill itself (tens of seconds on
 * a slow machine) and the run that sends them.
 */
export const MAX_POOL_AGE_MS: Record<FreshSpec['kind'], number> = {
  // Proofs are accepted for the plugin's default maxAgeSeconds after their iat.
  dpop: (DEFAULT_MAX_AGE_SECONDS * 1000) / 2,
  // Assertions expire 60 s after their iat; a run and its settle take 7 s at most.
  'client-assertion': 20_000,
}
/**
 * Pools are sized for the highest rate measured so far (or the spec's initial
 * rate, if higher: a warm-up runs slower than the rounds), with a margin: on a
 * shared machine a run can go faster than every run before it. DPoP proofs
 * left over are sent by the next runs; assertions are too short-lived for
 * that, so their margin is smaller (each one costs an RSA signature, ~0.3 ms).
 */
const MARGIN: Record<FreshSpec['kind'], number> = { dpop: 1.5, 'client-assertion': 1.3 }

/** A function making one fresh value per call. */
export function maker(spec: FreshSpec): () => string {
  if (spec.kind === 'dpop') {
    const key = createDpopKey({ alg: 'ES256', privateKey: spec.privateKeyPem })
    const claims = { htm: spec.htm, htu: spec.htu, accessToken: spec.accessToken }
    return () => createDpopProof(key, claims)
  }
  // The form `createClientAssertionSigner` of @m2m/auth signs (iss = sub = client id, aud,
  // iat, exp = iat + 60 s, a random jti), RS256 with node:crypto.
  const key: KeyObject = createPrivateKey(spec.privateKeyPem)
  const header = base64urlJson({ alg: 'RS256', typ: 'JWT' })
  const form = new URLSearchParams(spec.form).toString()
  return () => {
    const iat = Math.floor(Date.now() / 1000)
    const assertion = signRs256(
      header,
      {
        iss: spec.clientId,
        sub: spec.clientId,
        aud: spec.audience,
        iat,
        exp: iat + ASSERTION_LIFETIME_S,
        jti: randomUUID(),
      },
      key,
    )
    return `${form}&client_assertion_type=${encodeURIComponent('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')}&client_assertion=${assertion}`
  }
}

interface Pool {
  spec: FreshSpec
  make: () => string
  values: string[]
  next: number
  /** When the oldest value still in the pool was made. */
  madeAt: number
  /** The highest rate (requests/s) a timed run of this pool reached. */
  measuredRate: number | undefined
}

const pools = new Map<string, Pool>()

/**
 * Makes values for `seconds` of load at the rate measured so far (the spec's
 * initial rate before any run), keeping the pool's fresh leftovers.
 */
export function fillPool(spec: FreshSpec, seconds: number): { made: number; ms: number } {
  const started = performance.now()
  let pool = pools.get(spec.pool)
  if (!pool || JSON.stringify(pool.spec) !== JSON.stringify(spec)) {
    pool = {
      spec,
      make: maker(spec),
      values: [],
      next: 0,
      madeAt: Date.now(),
      measuredRate: undefined,
    }
    pools.set(spec.pool, pool)
  }
  const now = Date.now()
  if (pool.next >= pool.values.length || now - pool.madeAt > MAX_POOL_AGE_MS[spec.kind]) {
    pool.values = []
    pool.next = 0
    pool.madeAt = now
  } else if (pool.next > 0) {
    pool.values = pool.values.slice(pool.next)
    pool.next = 0
  }
  const rate = Math.max(pool.measuredRate ?? 0, spec.initialRatePerSecond)
  const wanted = Math.ceil(rate * seconds * MARGIN[spec.kind]) + 100
  let made = 0
  while (pool.values.length < wanted) {
    pool.values.push(pool.make())
    made++
  }
  return { made, ms: Math.round(performance.now() - started) }
}

/** The next value of a pool, never one already taken; made on the spot when the pool is dry. */
export function takeFresh(name: string, counter: { madeDuringRun: number }): string {
  const pool = pools.get(name)
  if (!pool) throw new Error(`no pool ${name}: call prepare first`)
  if (pool.next < pool.values.length) {
    const value = pool.values[pool.next] as string
    // Dropped once taken: the pool holds each value until it is sent, no longer.
    pool.values[pool.next++] = ''
    return value
  }
  counter.madeDuringRun++
  return pool.make()
}

/** Records the rate a timed run of the pool reached, for the next fills. */
export function recordRate(name: string, requestsPerSecond: number): void {
  const pool = pools.get(name)
  if (pool && requestsPerSecond > 0) {
    pool.measuredRate = Math.max(pool.measuredRate ?? 0, requestsPerSecond)
  }
}

/** How a request carries a pool's value. */
export function freshKind(name: string): FreshSpec | undefined {
  return pools.get(name)?.spec
}

import TinyQueue from 'tinyqueue'

/** What `remember` found: a new key (now recorded), a replay, or no room left. */
export type ReplayCheck = 'new' | 'replayed' | 'full'

/**
 * Keys seen (a DPoP proof's `jti`, a client assertion's), each kept until it
 * expires. A shared store (Redis) lets replicas refuse a replay sent to
 * another replica; `remember` may then answer with a promise.
 */
export interface ReplayCache {
  /** Records `key` until `expiresAtMs`, unless it is already recorded and not expired. */
  remember(key: string, expiresAtMs: number): ReplayCheck | Promise<ReplayCheck>
}

export interface MemoryReplayCache extends ReplayCache {
  remember(key: string, expiresAtMs: number): ReplayCheck
  readonly size: number
}

/** A remembered key and when it may be forgotten. */
interface Remembered {
  readonly key: string
  readonly expiresAtMs: number
}

/**
 * An in-memory replay cache for one process. Bounded: a key is forgotten once
 * it expires (the soonest expiry first, from a priority queue, so the work is
 * per key expired, never a walk of every key); when `maxEntries` keys are
 * still live, new keys are refused (`full`) rather than forgetting one that
 * could be replayed.
 */
export function createMemoryReplayCache(
  options: { now?: () => number; maxEntries?: number } = {},
): MemoryReplayCache {
  const now = options.now ?? Date.now
  // About 6,600 proofs a second kept for the default 150 s (max age + leeway).
  const maxEntries = options.maxEntries ?? 1_000_000
  const live = new Set<string>()
  const byExpiry = new TinyQueue<Remembered>([], (a, b) => a.expiresAtMs - b.expiresAtMs)

  function forgetExpired(at: number): void {
    for (
      let soonest = byExpiry.peek();
      soonest && soonest.expiresAtMs <= at;
      soonest = byExpiry.peek()
    ) {
      byExpiry.pop()
      live.delete(soonest.key)
    }
  }

  return {
    remember(key, expiresAtMs) {
      // NaN would leave the queue out of order, and a live key behind it never checked.
      if (!Number.isFinite(expiresAtMs)) {
        throw new RangeError(
          `replay cache: expiresAtMs must be a finite number, not ${expiresAtMs}`,
        )
      }
      const at = now()
      forgetExpired(at)
      if (live.has(key)) return 'replayed'
      // Expired on arrival: nothing to refuse later.
      if (expiresAtMs <= at) return 'new'
      if (live.size >= maxEntries) return 'full'
      live.add(key)
      byExpiry.push({ key, expiresAtMs })
      return 'new'
    },
    get size() {
      return live.size
    },
  }
}

/** The subset of an ioredis client a Redis replay cache uses. */
export interface ReplayRedis {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<'OK' | null>
}

/**
 * A replay cache in Redis, shared by replicas: `SET <prefix><key> 1 PX <ttl> NX`
 * records a key atomically, so two replicas given the same proof at once
 * cannot both accept it.
 */
export function createRedisReplayCache(
  redis: ReplayRedis,
  options: { prefix?: string; now?: () => number } = {},
): ReplayCache {
  const prefix = options.prefix ?? 'm2m:dpop:jti:'
  const now = options.now ?? Date.now
  return {
    async remember(key, expiresAtMs) {
      const ttl = Math.max(1, Math.ceil(expiresAtMs - now()))
      const set = await redis.set(`${prefix}${key}`, '1', 'PX', ttl, 'NX')
      return set === 'OK' ? 'new' : 'replayed'
    },
  }
}

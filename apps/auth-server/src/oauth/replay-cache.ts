/** What `remember` found: a new key (now recorded), a replay, or no room left. */
export type ReplayCheck = 'new' | 'replayed' | 'full'

export interface ReplayCache {
  /** Records `key` until `expiresAtMs`, unless it is already recorded and not expired. */
  remember(key: string, expiresAtMs: number): ReplayCheck
  readonly size: number
}

/**
 * The `jti`s of client assertions already used, each kept until its assertion
 * expires (RFC 7523 §3, item 7): after that the assertion is refused as
 * expired anyway. In memory, so one process only: replicas of the tenant
 * would need a shared store (e.g. Redis `SET key 1 NX PXAT exp`) to refuse a
 * replay sent to another replica.
 *
 * Bounded: expired entries are swept when the cache is full or a minute has
 * passed; if it is still full, new assertions are refused (`full`) rather than
 * forgetting one that could be replayed.
 */
export function createReplayCache(
  options: { now?: () => number; maxEntries?: number } = {},
): ReplayCache {
  const now = options.now ?? Date.now
  const maxEntries = options.maxEntries ?? 100_000
  const entries = new Map<string, number>()
  let nextSweep = 0

  function sweep(at: number): void {
    for (const [key, expiresAt] of entries) if (expiresAt <= at) entries.delete(key)
    nextSweep = at + 60_000
  }

  return {
    remember(key, expiresAtMs) {
      const at = now()
      const known = entries.get(key)
      if (known !== undefined && known > at) return 'replayed'
      if (at >= nextSweep || entries.size >= maxEntries) sweep(at)
      if (entries.size >= maxEntries) return 'full'
      entries.set(key, expiresAtMs)
      return 'new'
    },
    get size() {
      return entries.size
    },
  }
}

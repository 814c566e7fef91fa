import { LRUCache } from 'lru-cache'
import type { CachedToken, TokenCache, TokenCacheLock } from './token-cache.js'

export interface MemoryTokenCacheOptions {
  /** Most entries kept; the least recently used goes first. Default 1,000. */
  max?: number
  /** Clock in epoch ms, for tests. Default `Date.now`. */
  now?: () => number
}

/** A process-local `TokenCache` on an LRU, with expiring locks. */
export function createMemoryTokenCache(options: MemoryTokenCacheOptions = {}): TokenCache {
  const now = options.now ?? Date.now
  const entries = new LRUCache<string, CachedToken>({ max: options.max ?? 1_000 })
  const locks = new Map<string, { id: symbol; until: number }>()

  return {
    get(key) {
      const entry = entries.get(key)
      if (entry && entry.expiresAt <= now()) {
        entries.delete(key)
        return undefined
      }
      return entry
    },
    set(key, token) {
      entries.set(key, token)
    },
    delete(key, ifAccessToken) {
      if (ifAccessToken === undefined || entries.peek(key)?.accessToken === ifAccessToken) {
        entries.delete(key)
      }
    },
    lock(key, ttlMs): TokenCacheLock | undefined {
      const held = locks.get(key)
      if (held && held.until > now()) return undefined
      const id = Symbol(key)
      locks.set(key, { id, until: now() + ttlMs })
      return {
        release() {
          if (locks.get(key)?.id === id) locks.delete(key)
        },
      }
    },
  }
}

import type { Client } from '../tenant/model.js'

const WINDOWS = { per_hour: 3_600_000, per_day: 86_400_000 } as const
type Bucket = keyof typeof WINDOWS

/**
 * Auth0's fine-grained M2M token quotas: tokens issued per client per hour
 * and/or day, in fixed windows. Counts only tokens actually issued.
 */
export function createTokenQuota(now: () => number = Date.now) {
  const counts = new Map<string, { window: number; used: number }>()

  function usage(clientId: string, bucket: Bucket, at: number) {
    const size = WINDOWS[bucket]
    const window = Math.floor(at / size)
    const key = `${clientId}:${bucket}`
    let entry = counts.get(key)
    if (!entry || entry.window !== window) {
      entry = { window, used: 0 }
      counts.set(key, entry)
    }
    return { entry, resetIn: Math.ceil(((window + 1) * size - at) / 1000) }
  }

  function limits(client: Client): Array<[Bucket, number]> {
    const quota = client.token_quota?.client_credentials
    if (!quota?.enforce) return []
    const out: Array<[Bucket, number]> = []
    if (quota.per_hour !== undefined) out.push(['per_hour', quota.per_hour])
    if (quota.per_day !== undefined) out.push(['per_day', quota.per_day])
    return out
  }

  return {
    /**
     * Takes one token from every quota of the client, or none when one is spent.
     * The reservation is made before anything awaits, so concurrent exchanges
     * cannot overspend; `release()` gives it back if the exchange then fails.
     */
    reserve(client: Client): QuotaReservation | undefined {
      const buckets = limits(client)
      if (buckets.length === 0) return undefined
      const at = now()
      const usages = buckets.map(([bucket, quota]) => ({
        bucket,
        quota,
        ...usage(client.client_id, bucket, at),
      }))
      // Every bucket, comma-separated, as Auth0 writes the header (and node-auth0 reads it).
      const header = (used: (u: (typeof usages)[number]) => number) =>
        usages
          .map(
            (u) => `b=${u.bucket};q=${u.quota};r=${Math.max(0, u.quota - used(u))};t=${u.resetIn}`,
          )
          .join(',')
      const spent = usages.find((u) => u.entry.used >= u.quota)
      if (spent) {
        return {
          allowed: false,
          header: header((u) => u.entry.used),
          retryAfter: spent.resetIn,
          release() {},
        }
      }
      for (const u of usages) u.entry.used++
      let released = false
      return {
        allowed: true,
        header: header((u) => u.entry.used),
        retryAfter: 0,
        release() {
          if (released) return
          released = true
          for (const u of usages) u.entry.used = Math.max(0, u.entry.used - 1)
        },
      }
    },
  }
}

export interface QuotaReservation {
  allowed: boolean
  /** `Auth0-Client-Quota-Limit` value: `b=per_hour;q=10;r=7;t=3540,b=per_day;q=100;r=97;t=50340`. */
  header: string
  retryAfter: number
  release(): void
}

import type { Client } from '../tenant/model.js'

const WINDOWS = { per_hour: 3_600_000, per_day: 86_400_000 } as const
type Bucket = keyof typeof WINDOWS

export interface QuotaCheck {
  allowed: boolean
  /** `Auth0-Client-Quota-Limit` value: `b=per_hour;q=10;r=7;t=3540`. */
  header: string
  retryAfter: number
}

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
    /** Checks, without spending, whether one more token may be issued. */
    check(client: Client): QuotaCheck | undefined {
      const at = now()
      let tightest: QuotaCheck | undefined
      for (const [bucket, quota] of limits(client)) {
        const { entry, resetIn } = usage(client.client_id, bucket, at)
        const remaining = Math.max(0, quota - entry.used)
        const check = {
          allowed: remaining > 0,
          header: `b=${bucket};q=${quota};r=${remaining};t=${resetIn}`,
          retryAfter: resetIn,
        }
        if (!tightest || !check.allowed || (tightest.allowed && remaining < 1)) tightest = check
        if (!check.allowed) break
      }
      return tightest
    },
    /** Counts one issued token; returns the header after it. */
    spend(client: Client): string | undefined {
      const at = now()
      let header: string | undefined
      for (const [bucket, quota] of limits(client)) {
        const { entry, resetIn } = usage(client.client_id, bucket, at)
        entry.used++
        header ??= `b=${bucket};q=${quota};r=${Math.max(0, quota - entry.used)};t=${resetIn}`
      }
      return header
    },
  }
}

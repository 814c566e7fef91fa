/**
 * Auth0's token quotas as its token endpoint reports them: the
 * `Auth0-Client-Quota-Limit` and `Auth0-Organization-Quota-Limit` headers,
 * each a comma-separated list of buckets `b=<bucket>;q=<quota>;r=<remaining>;t=<seconds to reset>`
 * (e.g. `b=per_hour;q=100;r=7;t=3540, b=per_day;q=1000;r=907;t=84000`).
 */

/** One bucket of a quota, as of the last answer that reported it. */
export interface QuotaBucket {
  /** `client` or `organization`. */
  scope: 'client' | 'organization'
  /** Auth0's bucket name: `per_hour`, `per_day`. */
  bucket: string
  limit: number
  remaining: number
  /** When the bucket refills, epoch ms. */
  resetAt: number
}

export const QUOTA_HEADERS = {
  client: 'auth0-client-quota-limit',
  organization: 'auth0-organization-quota-limit',
} as const

/** The buckets of one quota header; parts that do not parse are left out. */
export function parseQuotaHeader(
  value: string | readonly string[] | undefined,
  scope: QuotaBucket['scope'],
  now: number,
): QuotaBucket[] {
  const text = typeof value === 'string' ? value : value?.join(',')
  if (!text) return []
  const buckets: QuotaBucket[] = []
  for (const part of text.split(',')) {
    const fields = new Map<string, string>()
    for (const pair of part.split(';')) {
      const at = pair.indexOf('=')
      if (at > 0) fields.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
    }
    const bucket = fields.get('b')
    const [limit, remaining, seconds] = ['q', 'r', 't'].map((key) => {
      const raw = fields.get(key)
      return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    }) as [number, number, number]
    if (!bucket || [limit, remaining, seconds].some(Number.isNaN)) continue
    buckets.push({ scope, bucket, limit, remaining, resetAt: now + seconds * 1000 })
  }
  return buckets
}

/** Both quota headers of an answer. */
export function quotaBucketsOf(
  headers: Record<string, string | string[] | undefined>,
  now: number,
): QuotaBucket[] {
  return [
    ...parseQuotaHeader(headers[QUOTA_HEADERS.client], 'client', now),
    ...parseQuotaHeader(headers[QUOTA_HEADERS.organization], 'organization', now),
  ]
}

/** The empty bucket that refills last: what a quota refusal waits for. */
export function exhaustedBucket(buckets: readonly QuotaBucket[]): QuotaBucket | undefined {
  let latest: QuotaBucket | undefined
  for (const bucket of buckets) {
    if (bucket.remaining === 0 && (!latest || bucket.resetAt > latest.resetAt)) latest = bucket
  }
  return latest
}

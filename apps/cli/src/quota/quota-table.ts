import type { QuotaBucket } from '@m2m/auth/token'
import { createPalette, type Palette } from '../format/colors.js'
import { relativeTime } from '../format/relative-time.js'
import { formatTable } from '../format/table.js'

/** A bucket as `m2m quota --json` prints it: the reset as an ISO date. */
export interface QuotaView {
  quota: QuotaBucket['scope']
  bucket: string
  remaining: number
  limit: number
  resetAt: string
}

export function quotaView(bucket: QuotaBucket): QuotaView {
  return {
    quota: bucket.scope,
    bucket: bucket.bucket,
    remaining: bucket.remaining,
    limit: bucket.limit,
    resetAt: new Date(bucket.resetAt).toISOString(),
  }
}

/** Under this share of its limit, a bucket's remaining count is shown in red. */
const LOW = 0.2

/**
 * Aligned columns for people: quota, bucket, remaining of limit (percent),
 * reset (relative and absolute). With colours, a bucket under 20 % is red.
 */
export function formatQuotaTable(
  views: readonly QuotaView[],
  now: number,
  paint: Palette = createPalette(false),
): string {
  return formatTable(
    ['QUOTA', 'BUCKET', 'REMAINING', 'RESETS'],
    views.map((v) => {
      const share = v.limit > 0 ? v.remaining / v.limit : 0
      const remaining = `${v.remaining} of ${v.limit} (${Math.floor(share * 100)} %)`
      return [
        v.quota,
        v.bucket,
        share < LOW ? { text: remaining, paint: paint.red } : remaining,
        `${relativeTime(Math.max(0, Date.parse(v.resetAt) - now))} (${v.resetAt})`,
      ]
    }),
  )
}

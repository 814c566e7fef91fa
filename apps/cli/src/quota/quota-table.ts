import type { QuotaBucket } from '@m2m/auth/token'

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

/** Aligned columns for people: quota, bucket, remaining of limit (percent), reset (relative and absolute). */
export function formatQuotaTable(views: readonly QuotaView[], now: number): string {
  const rows = [
    ['QUOTA', 'BUCKET', 'REMAINING', 'RESETS'],
    ...views.map((v) => [
      v.quota,
      v.bucket,
      `${v.remaining} of ${v.limit} (${v.limit > 0 ? Math.floor((v.remaining / v.limit) * 100) : 0} %)`,
      `${relative(Date.parse(v.resetAt) - now)} (${v.resetAt})`,
    ]),
  ]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows
    .map((r) =>
      r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n')
}

function relative(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `in ${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 120) return `in ${minutes} min`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `in ${hours} h` : `in ${Math.round(hours / 24)} days`
}

/**
 * The fixed windows tokens are counted in, all in UTC as Auth0 counts them:
 * `per_hour` resets at the beginning of each UTC hour, `per_day` at the
 * beginning of each UTC day (Auth0's fine-grained quotas), `monthly` on the
 * first of each UTC month (the plan's M2M allowance).
 */
export type QuotaBucket = 'per_hour' | 'per_day' | 'monthly'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

// The month of the last call: months are not a fixed length, and computing
// one costs a Date; the token endpoint asks for the same month all month long.
let monthStart = 0
let monthEnd = 0

function monthOf(at: number): void {
  if (at >= monthStart && at < monthEnd) return
  const date = new Date(at)
  monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
  monthEnd = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
}

/** Epoch ms at which the window holding `at` began. */
export function windowStart(bucket: QuotaBucket, at: number): number {
  if (bucket === 'per_hour') return Math.floor(at / HOUR_MS) * HOUR_MS
  if (bucket === 'per_day') return Math.floor(at / DAY_MS) * DAY_MS
  monthOf(at)
  return monthStart
}

/** Epoch ms at which the window that began at `start` ends (the next one begins). */
export function windowEnd(bucket: QuotaBucket, start: number): number {
  if (bucket === 'per_hour') return start + HOUR_MS
  if (bucket === 'per_day') return start + DAY_MS
  monthOf(start)
  return monthEnd
}

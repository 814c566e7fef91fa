/**
 * When to try again: a server's `Retry-After`, and exponential backoff with
 * full jitter. The token provider retries with them; callers that retry their
 * own work (a service replanning a delivery, a CLI) use the same two.
 */

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an
 * HTTP-date. Returns milliseconds from `now`, or `undefined` if absent or
 * invalid. Of a repeated header (an array, as Node gives it), the first counts.
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const header = typeof value === 'string' ? value : value?.[0]
  if (header === undefined) return undefined
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // Date.parse alone is lenient ("-1" and "1.5" are dates to V8): only HTTP-date forms count.
  if (!HTTP_DATE.some((form) => form.test(trimmed))) return undefined
  // asctime carries no zone; HTTP dates are all GMT.
  const date = Date.parse(trimmed.endsWith(' GMT') ? trimmed : `${trimmed} GMT`)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/** IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept. */
const HTTP_DATE = [
  /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]{5,8}, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
]

/**
 * Exponential backoff with full jitter: the delay before retry number
 * `attempt` (from 1) is uniform in [0, min(capMs, baseMs × 2^(attempt−1))).
 * Full jitter spreads the retries of callers that failed together, so they do
 * not come back as one burst.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  // 2^n overflows to Infinity long after the cap applies; min() keeps it finite.
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}

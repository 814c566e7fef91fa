import { fullJitterDelay } from '@m2m/auth/token'

export interface BackoffOptions {
  /** Ceiling of the first retry. Default 1,000. */
  baseMs?: number
  /** Largest ceiling. Default 300,000 (5 min). */
  capMs?: number
  /** Uniform in [0, 1). Default `Math.random`. */
  random?: () => number
}

/**
 * The delay before a delivery's `attempts`-th planning retry: `@m2m/auth`'s
 * exponential backoff with full jitter, which spreads the retries of
 * deliveries that failed together (world-mappers went down) so they do not
 * come back as one burst.
 */
export function createBackoff(options: BackoffOptions = {}): (attempts: number) => number {
  const baseMs = options.baseMs ?? 1_000
  const capMs = options.capMs ?? 300_000
  const random = options.random ?? Math.random
  return (attempts) => fullJitterDelay(attempts, baseMs, capMs, random)
}

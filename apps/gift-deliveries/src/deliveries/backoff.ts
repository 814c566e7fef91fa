export interface BackoffOptions {
  /** Ceiling of the first retry. Default 1,000. */
  baseMs?: number
  /** Largest ceiling. Default 300,000 (5 min). */
  capMs?: number
  /** Uniform in [0, 1). Default `Math.random`. */
  random?: () => number
}

/**
 * Exponential backoff with full jitter: the delay of the `attempts`-th retry
 * is uniform in [0, min(cap, base × 2^(attempts−1))). Full jitter spreads the
 * retries of deliveries that failed together (world-mappers went down) so
 * they do not come back as one burst.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function createBackoff(options: BackoffOptions = {}): (attempts: number) => number {
  const baseMs = options.baseMs ?? 1_000
  const capMs = options.capMs ?? 300_000
  const random = options.random ?? Math.random
  return (attempts) => {
    // 2^n overflows to Infinity long after the cap applies; min() keeps it finite.
    const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1))
    return Math.floor(random() * ceiling)
  }
}

import { fullJitterDelay } from '../retry.js'

/**
 * When to try a failed token request again, and after how long: exponential
 * backoff with full jitter (delay drawn uniformly from [0, min(cap, base * 2^n)]),
 * a server's `Retry-After` taken as a floor, bounded by attempts and by total time.
 *
 * Written here rather than taken from a retry library: the ones that run on
 * Node 20 offer neither full jitter nor a per-failure minimum delay, and the
 * provider needs an injected clock and sleep to be tested without real time.
 */
export interface RetryOptions {
  /** Total attempts, the first included. Default 4. */
  attempts: number
  /** Backoff base in ms. Default 200. */
  baseDelayMs: number
  /** Largest backoff in ms, before `Retry-After`. Default 5,000. */
  maxDelayMs: number
  /** No attempt starts after this many ms from the first one. Default 15,000. */
  maxElapsedMs: number
}

export const defaultRetryOptions: Readonly<RetryOptions> = Object.freeze({
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxElapsedMs: 15_000,
})

/**
 * The delay before attempt `attempt + 1` (attempts count from 1), or
 * `undefined` when no further attempt may be made.
 */
export function nextRetryDelay(
  options: RetryOptions,
  attempt: number,
  elapsedMs: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number | undefined {
  if (attempt >= options.attempts) return undefined
  const jittered = fullJitterDelay(attempt, options.baseDelayMs, options.maxDelayMs, random)
  const delay = Math.max(jittered, retryAfterMs ?? 0)
  if (elapsedMs + delay > options.maxElapsedMs) return undefined
  return delay
}

/** One load run, as the load worker takes it over IPC. */
export interface LoadJob {
  /** Origin and path, e.g. `http://127.0.0.1:4321/resource`. */
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Each request takes the next one, round robin across all connections. */
  authorizations?: string[]
  /** Each request takes the next path (with its query string), round robin. */
  paths?: string[]
  /** Each request takes the next body, round robin. */
  bodies?: string[]
  connections: number
  warmupSeconds: number
  durationSeconds: number
  /** Stop after this many requests instead of after `durationSeconds` (a warm-up pass). */
  amount?: number
}

/** What the measured part of a run gave (the warm-up is discarded). */
export interface LoadResult {
  /** Mean of the per-second request counts. */
  requestsPerSecond: number
  /** Milliseconds. */
  p50: number
  p99: number
  total: number
  non2xx: number
  /** Connection errors, timeouts included. */
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
}

/**
 * PostgreSQL's autovacuum, for PGlite, which has none: PGlite runs PostgreSQL
 * in single-user mode, where no background worker ever runs VACUUM or ANALYZE.
 * Without ANALYZE the planner keeps the statistics of a new, empty table: at
 * 3,000 rows it read a list page by sorting every row of the client (2.8 ms)
 * rather than walking the index (0.9 ms). Without VACUUM the dead versions that
 * every pending → planned update leaves behind are never reclaimed.
 *
 * Like autovacuum's defaults (a base threshold plus a share of the table),
 * `VACUUM ANALYZE` runs once the writes since the last run reach
 * `baseWrites + share × writes so far`: often while the table is small, then
 * rarely, so its cost per write stays flat as the table grows.
 */
export interface Autovacuum {
  /**
   * Counts the rows a statement inserted, updated or deleted (one by default); runs the
   * vacuum when due (never two at once). Rows, not statements: a multi-row INSERT must
   * bring the next ANALYZE as near as the same rows inserted one by one.
   */
  wrote(rows?: number): void
  /** Resolves when a vacuum in progress, if any, has finished. */
  idle(): Promise<void>
}

export interface AutovacuumOptions {
  /** Runs `VACUUM ANALYZE` (the database serializes it with other statements). */
  vacuum: () => Promise<void>
  /** Default 500. */
  baseWrites?: number
  /** Default 0.2. */
  share?: number
  /** A vacuum failed (logged by the caller; the next one is tried as usual). */
  onError?: (error: unknown) => void
}

export function createAutovacuum(options: AutovacuumOptions): Autovacuum {
  const baseWrites = options.baseWrites ?? 500
  const share = options.share ?? 0.2
  let total = 0
  let since = 0
  let running: Promise<void> | undefined

  return {
    wrote(rows = 1) {
      total += rows
      since += rows
      if (running || since < baseWrites + share * total) return
      since = 0
      running = options
        .vacuum()
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          running = undefined
        })
    },
    async idle() {
      await running
    },
  }
}

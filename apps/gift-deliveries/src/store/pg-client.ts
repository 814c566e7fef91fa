import pg from 'pg'
import type { SqlClient, SqlQueryable, SqlResult, SqlRow } from './sql-client.js'

export interface PgClientOptions {
  /** `postgres://user:password@host:port/database`, or a whole `pg` pool configuration. */
  connectionString?: string
  pool?: pg.PoolConfig
  /** Pool size. Default 10. */
  max?: number
  /** Called when an idle pooled connection fails (the pool drops it either way). */
  onIdleError?: (error: Error) => void
  /** Runs after the pool has ended (closes what the pool was opened on). */
  onClose?: () => Promise<void>
  /** Called after each statement that changed rows, with how many. */
  onWrite?: (rows: number) => void
}

/**
 * Statements are prepared once per connection under a name derived from their
 * text (node-postgres sends Parse once, then only Bind and Execute), so the
 * server plans each query once rather than on every call: on PGlite that
 * halved a list page's cost (734 → 357 µs) and took a third off an insert.
 * The store's SQL is a small, fixed set of texts, so the names stay few.
 */
const statementNames = new Map<string, string>()
function statementName(sql: string): string {
  let name = statementNames.get(sql)
  if (name === undefined) {
    name = `m2m_${statementNames.size}`
    statementNames.set(sql, name)
  }
  return name
}

/** A PostgreSQL server (or PGlite through its node-postgres adapter) behind a `pg` pool. */
export async function createPgClient(options: PgClientOptions): Promise<SqlClient> {
  const pool = new pg.Pool({
    ...(options.connectionString ? { connectionString: options.connectionString } : {}),
    max: options.max ?? 10,
    ...options.pool,
  })
  // Without a listener, a server restart killing an idle connection would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error))
  const onWrite = options.onWrite
  return {
    ...queryable(pool, onWrite),
    async transaction(fn) {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        try {
          const result = await fn(queryable(client, onWrite))
          await client.query('COMMIT')
          return result
        } catch (error) {
          await client.query('ROLLBACK').catch((rollbackError: Error) => {
            broken = rollbackError
          })
          throw error
        }
      } finally {
        // A connection that could not roll back is destroyed, not returned to the pool.
        client.release(broken)
      }
    },
    async close() {
      await pool.end()
      await options.onClose?.()
    },
  }
}

function queryable(db: pg.Pool | pg.PoolClient, onWrite?: (rows: number) => void): SqlQueryable {
  return {
    async query<R extends SqlRow = SqlRow>(
      sql: string,
      params: readonly unknown[] = [],
    ): Promise<SqlResult<R>> {
      const result = await db.query<R>({
        name: statementName(sql),
        text: sql,
        values: [...params],
      })
      const rowCount = result.rowCount ?? result.rows.length
      if (onWrite && result.command !== 'SELECT' && rowCount > 0) onWrite(rowCount)
      return { rows: result.rows, rowCount }
    },
    async exec(sql: string): Promise<void> {
      // No parameters: the simple protocol, which accepts several statements.
      await db.query(sql)
    },
  }
}

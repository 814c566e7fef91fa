import pg from 'pg'
import type { SqlClient, SqlQueryable, SqlResult, SqlRow } from './sql-client.js'

export interface PgClientOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string
  /** Pool size. Default 10. */
  max?: number
  /** Called when an idle pooled connection fails (the pool drops it either way). */
  onIdleError?: (error: Error) => void
}

/** A PostgreSQL server through a `pg` connection pool. */
export async function createPgClient(options: PgClientOptions): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 })
  // Without a listener, a server restart killing an idle connection would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error))
  return {
    ...queryable(pool),
    async transaction(fn) {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        try {
          const result = await fn(queryable(client))
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
    close: () => pool.end(),
  }
}

function queryable(db: pg.Pool | pg.PoolClient): SqlQueryable {
  return {
    async query<R extends SqlRow = SqlRow>(
      sql: string,
      params: readonly unknown[] = [],
    ): Promise<SqlResult<R>> {
      const result = await db.query<R>(sql, [...params])
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length }
    },
    async exec(sql: string): Promise<void> {
      // No parameters: the simple protocol, which accepts several statements.
      await db.query(sql)
    },
  }
}

/** A result row as the driver returns it (column name → value). */
export type SqlRow = Record<string, unknown>

/** What one statement returned. */
export interface SqlResult<R extends SqlRow = SqlRow> {
  rows: R[]
  /** Rows inserted, updated or deleted (or returned, for a SELECT). */
  rowCount: number
}

/** Runs statements on one connection (or one transaction). */
export interface SqlQueryable {
  /** One statement, parameters as `$1`, `$2`, ... (extended protocol: never interpolated). */
  query<R extends SqlRow = SqlRow>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
}

/**
 * The little the store needs from a database driver, so that PGlite and `pg`
 * run the same SQL. Both speak PostgreSQL, so there is one dialect.
 */
export interface SqlClient extends SqlQueryable {
  /** Runs `fn` in a transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

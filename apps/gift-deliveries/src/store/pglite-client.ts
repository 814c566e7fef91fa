import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import type { SqlClient, SqlQueryable, SqlResult, SqlRow } from './sql-client.js'

export interface PgliteClientOptions {
  /** Keeps the database in `<dataDir>/pglite`; in memory when undefined. */
  dataDir?: string | undefined
}

/**
 * An embedded PostgreSQL (WASM). A new data directory runs initdb on first
 * open (~5 s); later opens and in-memory databases take well under a second.
 *
 * Durability: `relaxedDurability` stays off, so each statement (or a whole
 * transaction) is written through to the data directory before its promise
 * resolves; rows survive a process crash. PGlite runs PostgreSQL with fsync
 * off, so the OS page cache, not the disk, holds the last writes until it flushes.
 */
export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  let db: PGlite
  if (options.dataDir === undefined) {
    db = await PGlite.create()
  } else {
    const dir = join(options.dataDir, 'pglite')
    await mkdir(dir, { recursive: true })
    db = await PGlite.create({ dataDir: dir, relaxedDurability: false })
  }
  return {
    ...queryable(db),
    transaction: (fn) => db.transaction((tx) => fn(queryable(tx))),
    close: () => db.close(),
  }
}

function queryable(db: PGlite | Transaction): SqlQueryable {
  return {
    async query<R extends SqlRow = SqlRow>(
      sql: string,
      params: readonly unknown[] = [],
    ): Promise<SqlResult<R>> {
      const result = await db.query<R>(sql, [...params])
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length }
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql)
    },
  }
}

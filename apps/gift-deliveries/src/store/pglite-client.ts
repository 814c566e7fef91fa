import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { createAutovacuum } from './pglite-autovacuum.js'
import { initDataDirInChildProcess } from './pglite-initdb.js'
import { createPgliteSqlClient } from './pglite-sql-client.js'
import type { SqlClient } from './sql-client.js'

export interface PgliteClientOptions {
  /** Keeps the database in `<dataDir>/pglite`; in memory when undefined. */
  dataDir?: string | undefined
  /** A background VACUUM ANALYZE failed (the next one is tried as usual). */
  onMaintenanceError?: (error: unknown) => void
}

/**
 * PostgreSQL's default of 128 MB of shared buffers is the largest part of
 * PGlite's memory (its WebAssembly heap holds them): 285 MiB RSS at open
 * against 165 MiB with 16 MB. The deliveries' working set (the newest rows
 * and the indexes) fits; older pages come from the OS page cache.
 */
const SHARED_BUFFERS = '16MB'

/**
 * Statistics only for the columns that queries filter and order by: ANALYZE of
 * every column read and decompressed each sampled route (a 16,000-row table:
 * 316 ms against 41 ms), about 6 % of the service's CPU while creating.
 */
const VACUUM = 'VACUUM (ANALYZE) deliveries (client_id, status, seq, next_attempt_at, locked_until)'

/**
 * An embedded PostgreSQL (WASM), spoken to in PostgreSQL's wire protocol
 * (`createPgliteSqlClient`): the same SQL and prepared statements as a
 * PostgreSQL server, one statement at a time (a transaction holds the
 * database and other statements wait). A new data directory is initialized by a child
 * process (~5 s, see `initDataDirInChildProcess`); later opens take well
 * under a second. In memory (no `dataDir`, tests) initdb runs in this process,
 * which then keeps its memory.
 *
 * Durability: `relaxedDurability` stays off, so each statement (or a whole
 * transaction) is written through to the data directory before its promise
 * resolves; rows survive a process crash. PGlite runs PostgreSQL with fsync
 * off, so the OS page cache, not the disk, holds the last writes until it flushes.
 */
export async function createPgliteClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`]
  let db: PGlite
  if (options.dataDir === undefined) {
    db = await PGlite.create({ startParams })
  } else {
    const dir = join(options.dataDir, 'pglite')
    await mkdir(dir, { recursive: true })
    await initDataDirInChildProcess(dir)
    db = await PGlite.create({ dataDir: dir, relaxedDurability: false, startParams })
  }
  // Through the pool like every statement, so it never lands inside another's transaction.
  let client: SqlClient | undefined
  const autovacuum = createAutovacuum({
    vacuum: async () => {
      await client?.exec(VACUUM)
    },
    ...(options.onMaintenanceError ? { onError: options.onMaintenanceError } : {}),
  })
  client = createPgliteSqlClient(db, {
    onWrite: (rows) => autovacuum.wrote(rows),
    async onClose() {
      await autovacuum.idle()
      await db.close()
    },
  })
  return client
}

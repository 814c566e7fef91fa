import type { DeliveryStore } from './delivery-store.js'
import { runMigrations } from './migrations.js'
import { createPgClient } from './pg-client.js'
import { createPgliteClient } from './pglite-client.js'
import type { SqlClient } from './sql-client.js'
import { createDeliveryStore } from './sql-delivery-store.js'

export interface OpenStoreOptions {
  /** A PostgreSQL server (`postgres://...`). When set, `dataDir` is ignored. */
  databaseUrl?: string | undefined
  /** PGlite keeps its files in `<dataDir>/pglite`; in memory when undefined. */
  dataDir?: string | undefined
  /** The store's clock. Default: `new Date()`. */
  now?: () => Date
}

/**
 * Opens the delivery store and brings its schema up to date: a PostgreSQL server when
 * `databaseUrl` is set, otherwise embedded PGlite. The first open of a new PGlite data
 * directory runs initdb and takes a few seconds.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<DeliveryStore> {
  const client: SqlClient = options.databaseUrl
    ? await createPgClient({ connectionString: options.databaseUrl })
    : await createPgliteClient({ dataDir: options.dataDir })
  try {
    await runMigrations(client)
  } catch (error) {
    await client.close().catch(() => {})
    throw error
  }
  return createDeliveryStore(client, options.now ? { now: options.now } : {})
}

export {
  type CreatePendingInput,
  type DeliveryStore,
  type ListQuery,
  type OpenStoreOptions,
  openStore,
} from './delivery-store.js'
export {
  DeliveryNotFoundError,
  DeliveryStoreError,
  IdempotencyConflictError,
  InvalidCursorError,
  InvalidListQueryError,
} from './errors.js'
export { type Migration, migrations, runMigrations } from './migrations.js'
export type { SqlClient, SqlQueryable, SqlResult, SqlRow } from './sql-client.js'
export {
  createDeliveryStore,
  DELIVERY_STATUSES,
  type DeliveryStoreOptions,
  MAX_LIST_LIMIT,
} from './sql-delivery-store.js'

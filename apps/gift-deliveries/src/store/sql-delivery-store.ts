import { randomUUID } from 'node:crypto'
import type { Delivery, DeliveryStatus } from '../deliveries/model.js'
import { decodeCursor, encodeCursor } from './cursor.js'
import { DELIVERY_COLUMNS, type DeliveryRow, toDelivery } from './delivery-row.js'
import type { DeliveryStore } from './delivery-store.js'
import { DeliveryNotFoundError, IdempotencyConflictError, InvalidListQueryError } from './errors.js'
import type { SqlClient } from './sql-client.js'

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'planned', 'failed']
export const MAX_LIST_LIMIT = 100

export interface DeliveryStoreOptions {
  /** The clock for every timestamp, due time and lease. Default: `new Date()`. */
  now?: () => Date
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Retries when a conflicting row vanished (discarded) between the insert and the read. */
const CREATE_ATTEMPTS = 5

/** The store over an open, migrated database. `close()` closes the client. */
export function createDeliveryStore(
  client: SqlClient,
  options: DeliveryStoreOptions = {},
): DeliveryStore {
  const now = options.now ?? (() => new Date())
  let closing: Promise<void> | undefined

  async function current(id: string): Promise<Delivery> {
    const found = await get(id)
    if (!found) throw new DeliveryNotFoundError(id)
    return found
  }

  async function get(id: string): Promise<Delivery | undefined> {
    if (!UUID.test(id)) return undefined
    const result = await client.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1::uuid`,
      [id],
    )
    const row = result.rows[0]
    return row ? toDelivery(row) : undefined
  }

  /**
   * Runs an UPDATE ... WHERE id = $1 AND status = 'pending' (and, with `claim`, only while that
   * claim holds the row); the current row when it matched none. Every transition ends the claim.
   */
  async function transition(
    id: string,
    set: string,
    params: unknown[],
    claim: string | undefined,
  ): Promise<Delivery> {
    if (!UUID.test(id)) throw new DeliveryNotFoundError(id)
    const values = [id, ...params]
    let where = `id = $1::uuid AND status = 'pending'`
    if (claim !== undefined) {
      if (!UUID.test(claim)) return current(id)
      values.push(claim)
      where += ` AND claim = $${values.length}::uuid`
    }
    const result = await client.query<DeliveryRow>(
      `UPDATE deliveries SET ${set}, claim = NULL
       WHERE ${where}
       RETURNING ${DELIVERY_COLUMNS}`,
      values,
    )
    const row = result.rows[0]
    return row ? toDelivery(row) : current(id)
  }

  return {
    async createPending(input) {
      const at = now().toISOString()
      const key = input.idempotency?.key ?? null
      const params = [
        randomUUID(),
        input.clientId,
        key,
        input.idempotency?.requestHash ?? null,
        JSON.stringify(input.request),
        input.notBefore ? input.notBefore.toISOString() : null,
        at,
      ]
      for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
        // A concurrent insert with the same key makes this one wait for it, then do nothing.
        const inserted = await client.query<DeliveryRow>(
          `INSERT INTO deliveries (id, client_id, idempotency_key, request_hash, status, request,
             next_attempt_at, created_at, updated_at)
           VALUES ($1::uuid, $2, $3, $4, 'pending', $5::jsonb, $6::timestamptz, $7::timestamptz,
             $7::timestamptz)
           ON CONFLICT (client_id, idempotency_key) DO NOTHING
           RETURNING ${DELIVERY_COLUMNS}`,
          params,
        )
        const row = inserted.rows[0]
        if (row) return { delivery: toDelivery(row), created: true }
        if (!input.idempotency) break
        const existing = await client.query<DeliveryRow>(
          `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE client_id = $1 AND idempotency_key = $2`,
          [input.clientId, key],
        )
        const found = existing.rows[0]
        if (!found) continue
        if (found.request_hash !== input.idempotency.requestHash) {
          throw new IdempotencyConflictError(input.idempotency.key)
        }
        return { delivery: toDelivery(found), created: false }
      }
      throw new Error('createPending: the insert neither created nor found a delivery')
    },

    markPlanned(id, route, claim) {
      return transition(
        id,
        `status = 'planned', route = $2::jsonb, planned_at = $3::timestamptz,
         updated_at = $3::timestamptz, next_attempt_at = NULL, locked_until = NULL`,
        [JSON.stringify(route), now().toISOString()],
        claim,
      )
    },

    markFailed(id, reason, claim) {
      return transition(
        id,
        `status = 'failed', last_error = $2, updated_at = $3::timestamptz,
         next_attempt_at = NULL, locked_until = NULL`,
        [reason, now().toISOString()],
        claim,
      )
    },

    recordAttemptFailure(id, error, nextAttemptAt, claim) {
      return transition(
        id,
        `attempts = attempts + 1, last_error = $2, next_attempt_at = $3::timestamptz,
         updated_at = $4::timestamptz, locked_until = NULL`,
        [error, nextAttemptAt.toISOString(), now().toISOString()],
        claim,
      )
    },

    async claimDue(limit, leaseMs) {
      if (!Number.isInteger(limit) || limit < 1) return []
      const at = now()
      const until = new Date(at.getTime() + Math.max(0, leaseMs))
      // The subquery locks the rows it picks and skips rows another claimer holds; after that
      // claimer commits, PostgreSQL re-checks locked_until on the new row version and drops it.
      const claim = randomUUID()
      const result = await client.query<DeliveryRow & { claim: string }>(
        `WITH due AS (
           SELECT id FROM deliveries
           WHERE status = 'pending'
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1::timestamptz)
             AND (locked_until IS NULL OR locked_until <= $1::timestamptz)
           ORDER BY seq
           LIMIT $2
           FOR UPDATE SKIP LOCKED
         )
         UPDATE deliveries SET locked_until = $3::timestamptz, claim = $4::uuid
         WHERE id IN (SELECT id FROM due)
         RETURNING ${DELIVERY_COLUMNS}`,
        [at.toISOString(), limit, until.toISOString(), claim],
      )
      return result.rows
        .sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1))
        .map((row) => ({ ...toDelivery(row), claim }))
    },

    async discard(id) {
      if (!UUID.test(id)) return false
      const result = await client.query(
        `DELETE FROM deliveries WHERE id = $1::uuid AND status = 'pending'`,
        [id],
      )
      return result.rowCount > 0
    },

    get,

    async list(query) {
      const { status, limit, cursor, clientId } = query
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new InvalidListQueryError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`)
      }
      if (status !== undefined && !DELIVERY_STATUSES.includes(status)) {
        throw new InvalidListQueryError(`status must be one of ${DELIVERY_STATUSES.join(', ')}`)
      }
      const after = cursor === undefined ? '0' : decodeCursor(cursor)
      const params: unknown[] = [after, limit + 1]
      let where = 'seq > $1::bigint'
      if (status !== undefined) {
        params.push(status)
        where += ` AND status = $${params.length}`
      }
      if (clientId !== undefined) {
        params.push(clientId)
        where += ` AND client_id = $${params.length}`
      }
      const result = await client.query<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE ${where} ORDER BY seq LIMIT $2`,
        params,
      )
      const page = result.rows.slice(0, limit)
      const last = page.at(-1)
      return {
        items: page.map((row) => toDelivery(row)),
        nextCursor: result.rows.length > limit && last ? encodeCursor(last.seq) : null,
      }
    },

    async countByStatus() {
      const result = await client.query<{ status: DeliveryStatus; n: number }>(
        'SELECT status, count(*)::int AS n FROM deliveries GROUP BY status',
      )
      const counts: Record<DeliveryStatus, number> = { pending: 0, planned: 0, failed: 0 }
      for (const row of result.rows) counts[row.status] = Number(row.n)
      return counts
    },

    async ping() {
      await client.query('SELECT 1')
    },

    close() {
      closing ??= client.close()
      return closing
    },
  }
}

import { randomUUID } from 'node:crypto'
import type { Delivery, DeliveryStatus } from '../deliveries/model.js'
import {
  DeliveryNotFoundError,
  IdempotencyConflictError,
  InvalidListQueryError,
} from '../errors.js'
import { createBatchedInsert } from './batched-insert.js'
import { decodeCursor, encodeCursor } from './cursor.js'
import { deliveryJson, listEntryJson, summaryOf } from './delivery-json.js'
import {
  DELIVERY_STATUSES,
  type DeliveryJsonPage,
  type DeliveryStore,
  type ListQuery,
  MAX_LIST_LIMIT,
} from './delivery-store.js'
import type { SqlClient } from './sql-client.js'

export interface DeliveryStoreOptions {
  /** The clock for every timestamp, due time and lease. Default: `new Date()`. */
  now?: () => Date
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DELIVERY_JSON = deliveryJson()
const DELIVERY_JSON_WITHOUT_ROUTE = deliveryJson({ route: false })

type JsonRow = { json: string }

/** Planned deliveries created at once that share one INSERT, at most. */
const MAX_INSERT_ROWS = 32
const PLANNED_PARAMS = 7

/** The INSERT of `rows` planned deliveries, 7 parameters each (see `createPlanned`). */
function insertPlannedSql(rows: number): string {
  const values: string[] = []
  for (let row = 0; row < rows; row++) {
    const $ = (n: number) => `$${row * PLANNED_PARAMS + n}`
    values.push(
      `(${$(1)}::uuid, ${$(2)}, 'planned', ${$(3)}::jsonb, ${$(4)}::json, ${$(5)}::jsonb,
        ${$(6)}::timestamptz, ${$(6)}::timestamptz, ${$(6)}::timestamptz, ${$(7)})`,
    )
  }
  return `INSERT INTO deliveries (id, client_id, status, request, route, summary,
      created_at, updated_at, planned_at, list_json)
    VALUES ${values.join(',\n      ')}`
}

/** The store over an open, migrated database. `close()` closes the client. */
export function createDeliveryStore(
  client: SqlClient,
  options: DeliveryStoreOptions = {},
): DeliveryStore {
  const now = options.now ?? (() => new Date())
  const insertPlanned = createBatchedInsert(client, {
    sqlFor: insertPlannedSql,
    maxRows: MAX_INSERT_ROWS,
  })
  let closing: Promise<void> | undefined

  async function current(id: string): Promise<Delivery> {
    const found = await get(id)
    if (!found) throw new DeliveryNotFoundError(id)
    return found
  }

  async function get(id: string): Promise<Delivery | undefined> {
    if (!UUID.test(id)) return undefined
    const result = await client.query<JsonRow>(
      `SELECT ${DELIVERY_JSON} AS json FROM deliveries WHERE id = $1::uuid`,
      [id],
    )
    const row = result.rows[0]
    return row ? (JSON.parse(row.json) as Delivery) : undefined
  }

  /**
   * Runs an UPDATE ... WHERE id = $1 AND status = 'pending' (and, with `claim`, only while that
   * claim holds the row); the current row when it matched none. Every transition ends the claim.
   * `route`, when given, is the one the UPDATE stores: the row comes back without it, to
   * spare reading back what was just written.
   */
  async function transition(
    id: string,
    set: string,
    params: unknown[],
    claim: string | undefined,
    route?: Delivery['route'],
  ): Promise<Delivery> {
    if (!UUID.test(id)) throw new DeliveryNotFoundError(id)
    const values = [id, ...params]
    let where = `id = $1::uuid AND status = 'pending'`
    if (claim !== undefined) {
      if (!UUID.test(claim)) return current(id)
      values.push(claim)
      where += ` AND claim = $${values.length}::uuid`
    }
    const result = await client.query<JsonRow>(
      `UPDATE deliveries SET ${set}, claim = NULL
       WHERE ${where}
       RETURNING ${route === undefined ? DELIVERY_JSON : DELIVERY_JSON_WITHOUT_ROUTE} AS json`,
      values,
    )
    const row = result.rows[0]
    if (!row) return current(id)
    const delivery = JSON.parse(row.json) as Delivery
    if (route !== undefined) delivery.route = route
    return delivery
  }

  async function listJson(query: ListQuery): Promise<DeliveryJsonPage> {
    const { status, limit, cursor, clientId, include } = query
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new InvalidListQueryError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`)
    }
    if (status !== undefined && !DELIVERY_STATUSES.includes(status)) {
      throw new InvalidListQueryError(`status must be one of ${DELIVERY_STATUSES.join(', ')}`)
    }
    if (include !== undefined && include !== 'route') {
      throw new InvalidListQueryError('include must be route')
    }
    const position = cursor === undefined ? undefined : decodeCursor(cursor)
    const params: unknown[] = [position?.after ?? '0', limit + 1]
    let where = 'seq > $1::bigint'
    // The first page fixes the bound: the last creation sequence number handed out when it
    // was read. Later pages stop there, so a listing ends however fast others insert (a
    // reader of small pages would otherwise chase the inserts for ever), and shows the
    // deliveries as they were when it began. (The sequence's last value, not max(seq):
    // a function call, where a subquery cost a third of the page's time on PGlite.)
    let upto = `coalesce(pg_sequence_last_value('deliveries_seq_seq'::regclass), 0)::text`
    if (position?.upto !== undefined) {
      params.push(position.upto)
      where += ` AND seq <= $${params.length}::bigint`
      upto = `$${params.length}::text`
    }
    if (status !== undefined) {
      params.push(status)
      where += ` AND status = $${params.length}`
    }
    if (clientId !== undefined) {
      params.push(clientId)
      where += ` AND client_id = $${params.length}`
    }
    // Keyset paging on seq, which never changes: every row committed before a page's
    // statement began is visible to it, so a row that existed when the first page was
    // read (and so is within the bound) is returned by exactly one page: READ COMMITTED
    // takes a snapshot per statement. A row committed later with a lower seq (a slow
    // transaction) may be missed by a listing already past it; it was not there when
    // the listing began.
    // `deliveries.seq`: a bare `seq` in ORDER BY would name the text output column.
    const result = await client.query<{ seq: string; upto: string; json: string }>(
      `SELECT deliveries.seq::text AS seq, ${upto} AS upto,
         ${include === 'route' ? DELIVERY_JSON : 'list_json'} AS json
       FROM deliveries WHERE ${where} ORDER BY deliveries.seq LIMIT $2`,
      params,
    )
    const rows = result.rows
    const more = rows.length > limit
    const page = more ? rows.slice(0, limit) : rows
    let items = '['
    for (let i = 0; i < page.length; i++) items += (i === 0 ? '' : ',') + (page[i] as JsonRow).json
    const last = page.at(-1)
    return {
      items: `${items}]`,
      nextCursor: more && last ? encodeCursor({ after: last.seq, upto: last.upto }) : null,
    }
  }

  return {
    async createPending(input) {
      const at = now()
      const key = input.idempotency?.key ?? null
      const claim = input.claimLeaseMs === undefined ? null : randomUUID()
      const lockedUntil =
        input.claimLeaseMs === undefined
          ? null
          : new Date(at.getTime() + Math.max(0, input.claimLeaseMs)).toISOString()
      const failed = input.failedAttempt
      const nextAttemptAt = failed?.nextAttemptAt ?? input.notBefore
      const delivery: Delivery & { claim?: string } = {
        id: randomUUID(),
        status: 'pending',
        request: input.request,
        route: null,
        attempts: failed ? 1 : 0,
        lastError: failed?.error ?? null,
        nextAttemptAt: nextAttemptAt ? nextAttemptAt.toISOString() : null,
        clientId: input.clientId,
        createdAt: at.toISOString(),
        updatedAt: at.toISOString(),
        plannedAt: null,
      }
      if (claim !== null) delivery.claim = claim
      const params = [
        delivery.id,
        input.clientId,
        key,
        input.idempotency?.requestHash ?? null,
        JSON.stringify(input.request),
        delivery.nextAttemptAt,
        delivery.createdAt,
        delivery.attempts,
        delivery.lastError,
        claim,
        lockedUntil,
        listEntryJson(delivery),
      ]
      // A concurrent insert with the same key makes this one wait for it, then do nothing.
      const inserted = await client.query(
        `INSERT INTO deliveries (id, client_id, idempotency_key, request_hash, status, request,
           next_attempt_at, created_at, updated_at, attempts, last_error, claim, locked_until,
           list_json)
         VALUES ($1::uuid, $2, $3, $4, 'pending', $5::jsonb, $6::timestamptz, $7::timestamptz,
           $7::timestamptz, $8::int, $9, $10::uuid, $11::timestamptz, $12)
         ON CONFLICT (client_id, idempotency_key) DO NOTHING`,
        params,
      )
      if (inserted.rowCount > 0 || !input.idempotency) return { delivery, created: true }
      // Rows are never deleted: the row that holds the key is there.
      const existing = await client.query<JsonRow & { request_hash: string }>(
        `SELECT request_hash, ${DELIVERY_JSON} AS json FROM deliveries
         WHERE client_id = $1 AND idempotency_key = $2`,
        [input.clientId, key],
      )
      const found = existing.rows[0]
      if (!found) throw new Error('createPending: the insert neither created nor found a delivery')
      if (found.request_hash !== input.idempotency.requestHash) {
        throw new IdempotencyConflictError(input.idempotency.key)
      }
      return { delivery: JSON.parse(found.json) as Delivery, created: false }
    },

    async createPlanned(input) {
      const at = now().toISOString()
      const delivery: Delivery = {
        id: randomUUID(),
        status: 'planned',
        request: input.request,
        route: input.route,
        attempts: 0,
        lastError: null,
        nextAttemptAt: null,
        clientId: input.clientId,
        createdAt: at,
        updatedAt: at,
        plannedAt: at,
      }
      await insertPlanned([
        delivery.id,
        input.clientId,
        JSON.stringify(input.request),
        JSON.stringify(input.route),
        JSON.stringify(summaryOf(input.route)),
        at,
        listEntryJson(delivery),
      ])
      return delivery
    },

    markPlanned(id, route, claim) {
      return transition(
        id,
        `status = 'planned', route = $2::json, summary = $3::jsonb, planned_at = $4::timestamptz,
          updated_at = $4::timestamptz, next_attempt_at = NULL, locked_until = NULL`,
        [JSON.stringify(route), JSON.stringify(summaryOf(route)), now().toISOString()],
        claim,
        route,
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
      const result = await client.query<JsonRow & { seq: string }>(
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
         RETURNING seq::text AS seq, ${DELIVERY_JSON} AS json`,
        [at.toISOString(), limit, until.toISOString(), claim],
      )
      return result.rows
        .sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1))
        .map((row) => ({ ...(JSON.parse(row.json) as Delivery), claim }))
    },

    get,

    async getJson(id, clientId) {
      if (!UUID.test(id)) return undefined
      const result = await client.query<JsonRow>(
        `SELECT ${DELIVERY_JSON} AS json FROM deliveries WHERE id = $1::uuid AND client_id = $2`,
        [id, clientId],
      )
      return result.rows[0]?.json
    },

    // One implementation for the interface's two overloads (summaries, or whole deliveries).
    list: (async (query: ListQuery) => {
      const page = await listJson(query)
      return { items: JSON.parse(page.items), nextCursor: page.nextCursor }
    }) as DeliveryStore['list'],

    listJson,

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
      // After the inserts already asked for, which wait for the turn's end to go as one.
      closing ??= new Promise((resolve) => setImmediate(resolve)).then(() => client.close())
      return closing
    },
  }
}

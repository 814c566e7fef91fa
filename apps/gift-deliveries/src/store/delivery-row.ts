import type {
  Delivery,
  DeliveryRequest,
  DeliveryRoute,
  DeliveryStatus,
} from '../deliveries/model.js'

/** The columns every query returns, in a shape both drivers agree on. */
export const DELIVERY_COLUMNS = `
  id::text AS id, seq::text AS seq, status, request, route, attempts, last_error,
  next_attempt_at, client_id, created_at, updated_at, planned_at, request_hash
`

export interface DeliveryRow {
  [column: string]: unknown
  id: string
  seq: string
  status: DeliveryStatus
  request: DeliveryRequest | string
  route: DeliveryRoute | string | null
  attempts: number
  last_error: string | null
  next_attempt_at: Date | string | null
  client_id: string
  created_at: Date | string
  updated_at: Date | string
  planned_at: Date | string | null
  request_hash: string | null
}

/** The model's view of a row: ISO timestamps, parsed JSON, no internal columns. */
export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    status: row.status,
    request: json(row.request),
    route: row.route === null ? null : json(row.route),
    attempts: Number(row.attempts),
    lastError: row.last_error,
    nextAttemptAt: iso(row.next_attempt_at),
    clientId: row.client_id,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
    plannedAt: iso(row.planned_at),
  }
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString()
}

function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value
}

import type {
  Delivery,
  DeliveryRoute,
  DeliverySummary,
  DeliverySummaryRoute,
} from '../deliveries/model.js'

/**
 * Rows leave the database as the API's JSON text, built by PostgreSQL
 * (`json_build_object`): one text column per row instead of a dozen typed
 * ones, so neither driver parses timestamps or JSON that the service would
 * only serialize again. `GET /deliveries` and `GET /deliveries/:id` send this
 * text as it comes; the store's typed reads `JSON.parse` it.
 */

/** A timestamp as `Date#toISOString()` writes it (the column holds milliseconds at most). */
function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

const TIMESTAMPS = `
  'createdAt', ${iso('created_at')},
  'updatedAt', ${iso('updated_at')},
  'plannedAt', ${iso('planned_at')}`

/**
 * A whole delivery (`Delivery`), as `GET /deliveries/:id` answers it. Without
 * the route (`route: null`) when the caller has the route already.
 */
export function deliveryJson(options: { route: boolean } = { route: true }): string {
  return `json_build_object(
    'id', id, 'status', status, 'request', request,
    'route', ${options.route ? 'route' : 'NULL::jsonb'},
    'attempts', attempts, 'lastError', last_error, 'nextAttemptAt', ${iso('next_attempt_at')},
    'clientId', client_id, ${TIMESTAMPS})::text`
}

/**
 * A new delivery's list entry (`DeliverySummary`), for its row's `list_json`:
 * the same fields as the trigger of migration 5 builds on every later update.
 */
export function listEntryJson(delivery: Delivery): string {
  const summary = delivery.route === null ? null : summaryOf(delivery.route)
  const entry: DeliverySummary = {
    id: delivery.id,
    status: delivery.status,
    request: delivery.request,
    destination: summary?.destination ?? null,
    distanceKm: summary?.distanceKm ?? null,
    estimatedDuration: summary?.estimatedDuration ?? null,
    attempts: delivery.attempts,
    lastError: delivery.lastError,
    nextAttemptAt: delivery.nextAttemptAt,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    plannedAt: delivery.plannedAt,
  }
  return JSON.stringify(entry)
}

/** What the `summary` column keeps of a route. */
export function summaryOf(route: DeliveryRoute): DeliverySummaryRoute {
  return {
    destination: route.destination,
    distanceKm: route.distanceKm,
    estimatedDuration: route.estimatedDuration,
  }
}

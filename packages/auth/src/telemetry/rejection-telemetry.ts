import type { Attributes, Counter } from '@opentelemetry/api'
import { METRIC_HTTP_SERVER_AUTH_REJECTIONS } from './names.js'
import { perMeter } from './per-meter.js'
import type { Telemetry } from './telemetry-options.js'

/** What the Fastify plugin records: one per plugin registration. */
export interface RejectionTelemetry {
  /**
   * A request refused with this status and reason on `route` (the route's URL
   * pattern, `undefined` for the not-found handler).
   */
  rejected(statusCode: number, reason: string, route: string | undefined): void
}

const counterOf = perMeter(
  (meter): Counter =>
    meter.createCounter(METRIC_HTTP_SERVER_AUTH_REJECTIONS, {
      description: 'Requests refused by the authentication plugin, by status, reason and route',
      unit: '{request}',
    }),
)

/**
 * Routes are a fixed set (URL patterns, not URLs) and reasons a short list,
 * so the attribute sets are made once each and kept.
 */
export function createRejectionTelemetry(telemetry: Telemetry): RejectionTelemetry {
  const counter = counterOf(telemetry.meter)
  const byRoute = new Map<string | undefined, Map<string, Attributes>>()
  return {
    rejected(statusCode, reason, route) {
      let byReason = byRoute.get(route)
      if (byReason === undefined) {
        byReason = new Map()
        byRoute.set(route, byReason)
      }
      const key = `${statusCode} ${reason}`
      let attributes = byReason.get(key)
      if (attributes === undefined) {
        attributes = Object.freeze({
          status: String(statusCode),
          reason,
          ...(route === undefined ? {} : { route }),
        })
        byReason.set(key, attributes)
      }
      counter.add(1, attributes)
    },
  }
}

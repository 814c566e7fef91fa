import type { BatchObservableCallback, ObservableGauge } from '@opentelemetry/api'
import type { QuotaBucket } from '../token/quota.js'
import { METRIC_TOKEN_QUOTA_LIMIT, METRIC_TOKEN_QUOTA_REMAINING } from './names.js'
import { perMeter } from './per-meter.js'
import type { Telemetry } from './telemetry-options.js'

interface QuotaGauges {
  remaining: ObservableGauge
  limit: ObservableGauge
}

const gaugesOf = perMeter(
  (meter): QuotaGauges => ({
    remaining: meter.createObservableGauge(METRIC_TOKEN_QUOTA_REMAINING, {
      description: 'Token requests left in a token quota bucket, as the token endpoint last said',
      unit: '{request}',
    }),
    limit: meter.createObservableGauge(METRIC_TOKEN_QUOTA_LIMIT, {
      description: 'Size of a token quota bucket, as the token endpoint last said',
      unit: '{request}',
    }),
  }),
)

/**
 * Reports a provider's quota buckets (`Auth0-Client-Quota-Limit`,
 * `Auth0-Organization-Quota-Limit`) at each collection, with attributes
 * `audience`, `kind` (`client` | `organization`) and `bucket` (`per_hour`,
 * `per_day`). A bucket whose reset time has passed is reported full: it has
 * refilled, and with tokens cached for hours the next answer that says so may
 * be far off. Returns the function that stops reporting (on `close()`).
 */
export function observeQuota(
  telemetry: Telemetry,
  audience: string | undefined,
  buckets: () => Iterable<QuotaBucket>,
  now: () => number,
): () => void {
  const gauges = gaugesOf(telemetry.meter)
  const observables = [gauges.remaining, gauges.limit]
  const callback: BatchObservableCallback = (result) => {
    const at = now()
    for (const bucket of buckets()) {
      const attributes = {
        ...(audience === undefined ? {} : { audience }),
        kind: bucket.scope,
        bucket: bucket.bucket,
      }
      const remaining = at >= bucket.resetAt ? bucket.limit : bucket.remaining
      result.observe(gauges.remaining, remaining, attributes)
      result.observe(gauges.limit, bucket.limit, attributes)
    }
  }
  telemetry.meter.addBatchObservableCallback(callback, observables)
  let registered = true
  return () => {
    if (!registered) return
    registered = false
    telemetry.meter.removeBatchObservableCallback(callback, observables)
  }
}

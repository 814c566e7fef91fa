import { type Target, target } from '../runner/types.js'
import { ACCURACY_TARGETS } from './evaluation.js'
import type { GeocoderSummary } from './geocoder-bench.js'

/**
 * Issue 17's targets for the gazetteer in process: accuracy per category and
 * overall on the evaluation set; latency of geocoding the evaluation set, of
 * suggestions and of directions; RSS after start at most 20 % above the
 * 300 MB measured before issue 17.
 */
export const LATENCY_TARGETS_US = {
  geocodeP50: 100,
  geocodeP99: 2000,
  suggestP99: 2000,
  directionsP50: 150,
  directionsP99: 1000,
}
export const MAX_RSS_MB = 360

export function geocoderTargets(summary: GeocoderSummary): Target[] {
  const result = (prefix: string) => summary.results.find((r) => r.operation.startsWith(prefix))
  const latency = (prefix: string, field: 'p50Us' | 'p99Us', label: string, wanted: number) => {
    const found = result(prefix)
    return target(`${label} (µs)`, found ? found[field] : Number.NaN, wanted, 'at-most')
  }
  return [
    ...summary.evaluation.categories.map((c) =>
      target(`top-1 accuracy, ${c.category}`, c.accuracy, ACCURACY_TARGETS.category),
    ),
    target(
      'top-1 accuracy, overall',
      summary.evaluation.overall.accuracy,
      ACCURACY_TARGETS.overall,
    ),
    latency(
      'geocode, evaluation set',
      'p50Us',
      'geocode p50, evaluation set',
      LATENCY_TARGETS_US.geocodeP50,
    ),
    latency(
      'geocode, evaluation set',
      'p99Us',
      'geocode p99, evaluation set',
      LATENCY_TARGETS_US.geocodeP99,
    ),
    latency('suggest', 'p99Us', 'suggest p99', LATENCY_TARGETS_US.suggestP99),
    latency('directions', 'p50Us', 'directions p50', LATENCY_TARGETS_US.directionsP50),
    latency('directions', 'p99Us', 'directions p99', LATENCY_TARGETS_US.directionsP99),
    target('RSS after load (MB)', summary.rssMB, MAX_RSS_MB, 'at-most'),
  ]
}

import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api'
import { millisToHrTime } from '@opentelemetry/core'
import { emptyResource } from '@opentelemetry/resources'
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type HistogramMetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics'
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions'

/** The semantic conventions' advice for `http.server.request.duration`, in seconds. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
])

const DESCRIPTOR = Object.freeze({
  name: 'http.server.request.duration',
  description: 'Duration of HTTP server requests, by method, route and status code',
  unit: 's',
  valueType: ValueType.DOUBLE,
})

/** The requests of one method on one route (or on the not-found handler). */
export interface RouteDurations {
  record(statusCode: number, seconds: number): void
}

/**
 * `http.server.request.duration`: an explicit-bucket histogram (the SDK's
 * bucket rule: a value falls in the first bucket whose bound is ≥ it) with
 * the attributes `http.request.method`, `http.route` (absent for the
 * not-found handler) and `http.response.status_code`.
 *
 * Aggregated here rather than by an SDK instrument: the SDK sorts and
 * JSON-encodes the attributes of every `record` to find its series (its
 * JavaScript API has no bound instruments), about a microsecond a request on
 * this machine in a loop, several in a server. Here a request's series is
 * found by its route (kept by the caller), then a `Map` lookup of its status.
 * Readers collect it through `producer`, as the SDK's own metrics.
 */
export interface RequestDurations {
  /** The series of one method on one route, the same for the same two; keep it and record into it. */
  of(method: string, route: string | undefined): RouteDurations
  /**
   * What one metric reader collects (`metricProducers` of the reader): every
   * series since it began (cumulative), or, for a delta reader, what each
   * gained since that reader's last collection (without min and max).
   */
  producer(temporality: AggregationTemporality): MetricProducer
}

interface Series {
  readonly attributes: Attributes
  readonly startTime: HrTime
  /** One more than the bounds: the last counts values above every bound. */
  readonly counts: number[]
  count: number
  sum: number
  min: number
  max: number
}

/** What a delta reader reported of a series, to report only the rest next time. */
interface Reported {
  counts: number[]
  count: number
  sum: number
}

export function createRequestDurations(now: () => number = Date.now): RequestDurations {
  const all: Series[] = []
  const bounds = DURATION_BUCKETS

  function newSeries(method: string, route: string | undefined, statusCode: number): Series {
    // In this order: the labels read method, route, status in /metrics.
    const attributes: Attributes = route
      ? {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_HTTP_ROUTE]: route,
          [ATTR_HTTP_RESPONSE_STATUS_CODE]: statusCode,
        }
      : { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_HTTP_RESPONSE_STATUS_CODE]: statusCode }
    const series: Series = {
      attributes: Object.freeze(attributes),
      startTime: millisToHrTime(now()),
      counts: new Array<number>(bounds.length + 1).fill(0),
      count: 0,
      sum: 0,
      min: Number.POSITIVE_INFINITY,
      max: Number.NEGATIVE_INFINITY,
    }
    all.push(series)
    return series
  }

  const byRoute = new Map<string | undefined, Map<string, RouteDurations>>()

  function of(method: string, route: string | undefined): RouteDurations {
    let byMethod = byRoute.get(route)
    if (byMethod === undefined) {
      byMethod = new Map()
      byRoute.set(route, byMethod)
    }
    let durations = byMethod.get(method)
    if (durations === undefined) {
      durations = routeDurations(method, route)
      byMethod.set(method, durations)
    }
    return durations
  }

  function routeDurations(method: string, route: string | undefined): RouteDurations {
    const byStatus = new Map<number, Series>()
    return {
      record(statusCode, seconds) {
        if (Number.isNaN(seconds)) return
        let series = byStatus.get(statusCode)
        if (series === undefined) {
          series = newSeries(method, route, statusCode)
          byStatus.set(statusCode, series)
        }
        let bucket = 0
        while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket++
        ;(series.counts[bucket] as number)++
        series.count++
        series.sum += seconds
        if (seconds < series.min) series.min = seconds
        if (seconds > series.max) series.max = seconds
      },
    }
  }

  function collected(metric: HistogramMetricData): CollectionResult {
    return {
      resourceMetrics: {
        // A reader keeps the SDK's resource and takes only the scope metrics of a producer.
        resource: emptyResource(),
        scopeMetrics:
          metric.dataPoints.length === 0
            ? []
            : [{ scope: { name: '@m2m/service-kit' }, metrics: [metric] }],
      },
      errors: [],
    }
  }

  function cumulativeProducer(): MetricProducer {
    return {
      async collect() {
        const endTime = millisToHrTime(now())
        return collected({
          descriptor: DESCRIPTOR,
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: all.map((series) => ({
            attributes: series.attributes,
            startTime: series.startTime,
            endTime,
            value: {
              buckets: { boundaries: [...bounds], counts: [...series.counts] },
              count: series.count,
              sum: series.sum,
              min: series.min,
              max: series.max,
            },
          })),
        })
      },
    }
  }

  function deltaProducer(): MetricProducer {
    const reported = new Map<Series, Reported>()
    let since: HrTime | undefined
    return {
      async collect() {
        const endTime = millisToHrTime(now())
        const dataPoints: HistogramMetricData['dataPoints'] = []
        for (const series of all) {
          const before = reported.get(series)
          if (before !== undefined && before.count === series.count) continue
          const counts = series.counts.map((n, i) => n - (before?.counts[i] ?? 0))
          dataPoints.push({
            attributes: series.attributes,
            startTime: before === undefined || since === undefined ? series.startTime : since,
            endTime,
            value: {
              buckets: { boundaries: [...bounds], counts },
              count: series.count - (before?.count ?? 0),
              sum: series.sum - (before?.sum ?? 0),
            },
          })
          reported.set(series, { counts: [...series.counts], count: series.count, sum: series.sum })
        }
        since = endTime
        return collected({
          descriptor: DESCRIPTOR,
          aggregationTemporality: AggregationTemporality.DELTA,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints,
        })
      },
    }
  }

  return {
    of,
    producer(temporality) {
      return temporality === AggregationTemporality.DELTA ? deltaProducer() : cumulativeProducer()
    },
  }
}

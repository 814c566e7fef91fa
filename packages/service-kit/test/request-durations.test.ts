import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus'
import {
  AggregationTemporality,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { withPrometheusNames } from '../src/telemetry/prometheus-names.js'
import {
  createRequestDurations,
  DURATION_BUCKETS,
  type RequestDurations,
} from '../src/telemetry/request-durations.js'

/** A reader that only collects when asked, cumulative or delta. */
class TestReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

const cumulativeReader = (durations?: RequestDurations) =>
  new TestReader({
    aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
    ...(durations
      ? { metricProducers: [durations.producer(AggregationTemporality.CUMULATIVE)] }
      : {}),
  })

/** The SDK's own histogram, as `registerTelemetry` recorded before: the reference. */
function sdkHistogram(provider: MeterProvider) {
  const histogram = provider
    .getMeter('@m2m/service-kit')
    .createHistogram('http.server.request.duration', {
      description: 'Duration of HTTP server requests, by method, route and status code',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    })
  return (method: string, route: string | undefined, status: number, seconds: number) =>
    histogram.record(
      seconds,
      route
        ? {
            'http.request.method': method,
            'http.route': route,
            'http.response.status_code': status,
          }
        : { 'http.request.method': method, 'http.response.status_code': status },
    )
}

function durationPoints(resourceMetrics: ResourceMetrics) {
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((m) => m.descriptor.name === 'http.server.request.duration') as
    | HistogramMetricData
    | undefined
  return (metric?.dataPoints ?? [])
    .map(({ attributes, value }) => ({ attributes, ...value }))
    .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)))
}

const serializer = new PrometheusSerializer(undefined, false, undefined, false, true)
const prometheusLines = (resourceMetrics: ResourceMetrics) =>
  serializer
    .serialize(withPrometheusNames(resourceMetrics))
    .split('\n')
    .filter((line) => line.includes('http_server_request_duration'))
    .sort()

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE', '_OTHER'),
  route: fc.constantFrom('/api/me', '/geocode', '/deliveries/:id', undefined),
  status: fc.constantFrom(200, 201, 204, 400, 401, 403, 404, 429, 500, 503),
  // Every bound exactly, values between and beyond them, and tiny ones.
  seconds: fc.oneof(
    fc.constantFrom(...DURATION_BUCKETS, 0),
    fc.double({ min: 0, max: 20, noNaN: true }),
    fc.double({ min: 0, max: 0.001, noNaN: true }),
  ),
})

describe('request durations aggregated outside the SDK', () => {
  it('collect exactly what the SDK histogram collects, as data points and as Prometheus text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 300 }), async (requests) => {
        const ours = createRequestDurations()
        const oursReader = cumulativeReader(ours)
        new MeterProvider({ readers: [oursReader] })
        const sdkReader = cumulativeReader()
        const record = sdkHistogram(new MeterProvider({ readers: [sdkReader] }))
        for (const { method, route, status, seconds } of requests) {
          ours.of(method, route).record(status, seconds)
          record(method, route, status, seconds)
        }
        const [a, b] = [await oursReader.collect(), await sdkReader.collect()]
        expect(durationPoints(a.resourceMetrics)).toEqual(durationPoints(b.resourceMetrics))
        expect(prometheusLines(a.resourceMetrics)).toEqual(prometheusLines(b.resourceMetrics))
      }),
      { numRuns: 150, seed: 15 },
    )
  })

  it('give a delta reader only what each series gained since its last collection', async () => {
    const durations = createRequestDurations()
    const reader = new TestReader({
      aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      metricProducers: [durations.producer(AggregationTemporality.DELTA)],
    })
    new MeterProvider({ readers: [reader] })
    const me = durations.of('GET', '/api/me')
    const geocode = durations.of('GET', '/geocode')
    for (let i = 0; i < 2_000; i++) me.record(i % 7 === 0 ? 401 : 200, (i % 50) / 1000)
    geocode.record(200, 0.3)
    const first = durationPoints((await reader.collect()).resourceMetrics)
    me.record(200, 0.006)
    me.record(200, 2)
    const second = durationPoints((await reader.collect()).resourceMetrics)
    const third = durationPoints((await reader.collect()).resourceMetrics)

    expect(first.map((p) => p.count)).toEqual([1_714, 286, 1])
    expect(second).toHaveLength(1)
    expect(second[0]).toMatchObject({
      attributes: { 'http.route': '/api/me', 'http.response.status_code': 200 },
      count: 2,
    })
    // The difference of two running sums: within rounding of what the interval added.
    expect(second[0]?.sum).toBeCloseTo(2.006, 12)
    // Not kept per reader: a delta point has no min and max (both optional in OTLP).
    expect(second[0]?.min).toBeUndefined()
    expect(second[0]?.max).toBeUndefined()
    expect(second[0]?.buckets.counts).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0])
    expect(third).toEqual([])
  })

  it('keep a cumulative reader and a delta reader of the same durations apart', async () => {
    const durations = createRequestDurations()
    const cumulative = cumulativeReader(durations)
    const delta = new TestReader({
      aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      metricProducers: [durations.producer(AggregationTemporality.DELTA)],
    })
    new MeterProvider({ readers: [cumulative, delta] })
    const series = durations.of('POST', '/deliveries')
    const counts: number[] = []
    for (let round = 1; round <= 5; round++) {
      for (let i = 0; i < round * 100; i++) series.record(201, 0.01)
      counts.push(durationPoints((await delta.collect()).resourceMetrics)[0]?.count ?? 0)
    }
    const total = durationPoints((await cumulative.collect()).resourceMetrics)[0]
    expect(counts).toEqual([100, 200, 300, 400, 500])
    expect(total?.count).toBe(1_500)
  })
})

import { randomUUID } from 'node:crypto'
import type { MeterProvider as ApiMeterProvider, TracerProvider } from '@opentelemetry/api'
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import {
  AggregationTemporality,
  type IMetricReader,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import { createOtlpMetricExporter } from './otlp-exporters.js'
import { observeProcess } from './process-metrics.js'
import { withPrometheusNames } from './prometheus-names.js'
import { createRequestDurations, type RequestDurations } from './request-durations.js'
import type { TelemetryConfig } from './telemetry-config.js'
import { currentTracerProvider, flushTracing, registerTracing } from './tracing.js'

export type ServiceTelemetryOptions = Pick<TelemetryConfig, 'serviceName'> &
  Partial<TelemetryConfig> & {
    /** The process instruments (CPU, memory, heap, event loop). Default true. */
    processMetrics?: boolean
  }

/** The `telemetry` option of `@m2m/auth` components (and of anything on `@opentelemetry/api`). */
export interface TelemetryProviders {
  meterProvider: ApiMeterProvider
  tracerProvider: TracerProvider
}

/** One app's telemetry. */
export interface ServiceTelemetry {
  readonly serviceName: string
  /** This app's metrics: what `/metrics` shows, and what is pushed over OTLP when configured. */
  readonly meterProvider: MeterProvider
  /**
   * The process's tracer provider: registered once, when spans are exported;
   * else the API's, a no-op one unless something else registers a provider.
   */
  readonly tracerProvider: TracerProvider
  /**
   * `http.server.request.duration`, which `registerTelemetry` records into:
   * aggregated outside the meter provider (see `createRequestDurations`) and
   * collected by the same readers.
   */
  readonly requestDurations: RequestDurations
  /** Both providers and nothing else: pass it as `@m2m/auth` components' `telemetry` option. */
  readonly providers: TelemetryProviders
  /** The app's metrics in the Prometheus text format (0.0.4). */
  prometheusText(): Promise<string>
  /** Exports now what is waiting: ended spans, and metrics when they are pushed. */
  forceFlush(): Promise<void>
  /** Pushes the last metrics and stops; idempotent. Spans are flushed, the tracer stays (it is the process's). */
  shutdown(): Promise<void>
}

/** How long `/metrics` waits for the slowest observable callback (a store that hangs). */
const COLLECT_TIMEOUT_MS = 5_000
// Scope labels (otel_scope_name) off: series keep the labels they had with prom-client.
const serializer = new PrometheusSerializer(undefined, false, undefined, false, true)

/**
 * Creates one app's telemetry: a `MeterProvider` of its own (several apps may
 * share a process, as in tests: each `/metrics` shows its own numbers) read by
 * a Prometheus exporter that serves nothing itself (`prometheusText()` is for
 * the app's `/metrics` route), plus a periodic OTLP push when
 * `metricsEndpoint` is set; and the process's tracing, registered by the
 * first app with a `tracesEndpoint` (none when `enabled` is false).
 */
export function createServiceTelemetry(options: ServiceTelemetryOptions): ServiceTelemetry {
  const enabled = options.enabled ?? true
  const resource = defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      // Replicas push under one service name: this keeps their series apart.
      'service.instance.id': randomUUID(),
    }),
  )
  const requestDurations = createRequestDurations()
  const prometheus = new PrometheusExporter({
    preventServerStart: true,
    metricProducers: [requestDurations.producer(AggregationTemporality.CUMULATIVE)],
  })
  const readers: IMetricReader[] = [prometheus]
  if (enabled && options.metricsEndpoint) {
    const interval = options.metricExportIntervalMs ?? 60_000
    const exporter = createOtlpMetricExporter(options.metricsEndpoint)
    const temporality = exporter.selectAggregationTemporality(InstrumentType.HISTOGRAM)
    readers.push(
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: interval,
        exportTimeoutMillis: Math.min(30_000, interval),
        metricProducers: [requestDurations.producer(temporality)],
      }),
    )
  }
  const meterProvider = new MeterProvider({ resource, readers })
  const stopProcessMetrics =
    options.processMetrics === false
      ? () => {}
      : observeProcess(meterProvider.getMeter('@m2m/service-kit'))
  const tracerProvider =
    (enabled && registerTracing({ resource, tracesEndpoint: options.tracesEndpoint })) ||
    currentTracerProvider()

  let stopping: Promise<void> | undefined
  return {
    serviceName: options.serviceName,
    meterProvider,
    tracerProvider,
    requestDurations,
    providers: Object.freeze({ meterProvider, tracerProvider }),
    async prometheusText() {
      // Failed callbacks (a store that is down) lose their own series only.
      const { resourceMetrics } = await prometheus.collect({ timeoutMillis: COLLECT_TIMEOUT_MS })
      return serializer.serialize(withPrometheusNames(resourceMetrics))
    },
    async forceFlush() {
      await Promise.allSettled([meterProvider.forceFlush(), flushTracing()])
    },
    shutdown() {
      stopping ??= (async () => {
        stopProcessMetrics()
        await Promise.allSettled([meterProvider.shutdown(), flushTracing()])
      })()
      return stopping
    },
  }
}

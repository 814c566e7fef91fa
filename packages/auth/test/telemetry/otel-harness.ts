import { type Attributes, context, propagation } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  type DataPoint,
  DataPointType,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import type { TelemetryOptions } from '../../src/telemetry/index.js'

/** Collects on demand: what a Prometheus scrape does. */
class TestMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** A real OpenTelemetry SDK (metrics and traces) for one test, passed as the `telemetry` option. */
export interface OtelHarness {
  readonly telemetry: Required<TelemetryOptions>
  /** Every metric of the `@m2m/auth` scope, collected now. */
  collect(): Promise<MetricData[]>
  /** One metric, collected now; fails the test when it is absent. */
  metric(name: string): Promise<MetricData>
  /** The counter or gauge value of the data point with exactly these attributes, or `undefined`. */
  value(name: string, attributes: Attributes): Promise<number | undefined>
  /** The histogram data point with exactly these attributes. */
  histogram(name: string, attributes: Attributes): Promise<Histogram | undefined>
  /** Spans ended so far. */
  spans(): ReadableSpan[]
}

/**
 * Registers, for the enclosing file, the AsyncLocalStorage context manager and
 * the W3C trace-context propagator (what an SDK registers), and for each test a
 * fresh MeterProvider with a collecting reader and a BasicTracerProvider with
 * an in-memory exporter. The returned harness stands for the current test's.
 */
export function otelPerTest(): OtelHarness {
  let current:
    | {
        reader: TestMetricReader
        exporter: InMemorySpanExporter
        telemetry: OtelHarness['telemetry']
      }
    | undefined

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  })
  afterAll(() => {
    context.disable()
    propagation.disable()
  })
  beforeEach(() => {
    const reader = new TestMetricReader()
    const exporter = new InMemorySpanExporter()
    current = {
      reader,
      exporter,
      telemetry: {
        meterProvider: new MeterProvider({ readers: [reader] }),
        tracerProvider: new BasicTracerProvider({
          spanProcessors: [new SimpleSpanProcessor(exporter)],
        }),
      },
    }
  })
  afterEach(async () => {
    await (current?.telemetry.meterProvider as MeterProvider | undefined)?.shutdown()
    current = undefined
  })

  const now = () => {
    if (current === undefined) throw new Error('the harness exists only while a test runs')
    return current
  }
  const collect = async () => {
    const { resourceMetrics, errors } = await now().reader.collect()
    expect(errors).toEqual([])
    return resourceMetrics.scopeMetrics
      .filter((scope) => scope.scope.name === '@m2m/auth')
      .flatMap((scope) => scope.metrics)
  }
  const metric = async (name: string) => {
    const found = (await collect()).find((m) => m.descriptor.name === name)
    if (found === undefined) throw new Error(`no metric ${name} was collected`)
    return found
  }
  const point = async (name: string, attributes: Attributes) => {
    const data = await metric(name).catch(() => undefined)
    const points = (data?.dataPoints ?? []) as DataPoint<unknown>[]
    return { data, found: points.find((p) => sameAttributes(p.attributes, attributes)) }
  }

  return {
    get telemetry() {
      return now().telemetry
    },
    collect,
    metric,
    async value(name, attributes) {
      const { found } = await point(name, attributes)
      return found?.value as number | undefined
    },
    async histogram(name, attributes) {
      const { data, found } = await point(name, attributes)
      if (data !== undefined) expect(data.dataPointType).toBe(DataPointType.HISTOGRAM)
      return found?.value as Histogram | undefined
    },
    spans() {
      return now().exporter.getFinishedSpans()
    },
  }
}

export function sameAttributes(actual: Attributes, expected: Attributes): boolean {
  const keys = Object.keys(actual)
  return (
    keys.length === Object.keys(expected).length && keys.every((k) => actual[k] === expected[k])
  )
}

/** Everything a span says, as text: to show that no secret is in it. */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    status: span.status,
  })
}

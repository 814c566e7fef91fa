import { createRequire } from 'node:module'
import { type TracerProvider, trace } from '@opentelemetry/api'
import type { W3CTraceContextPropagator } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import type { BatchSpanProcessor, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { createOtlpTraceExporter } from './otlp-exporters.js'

export interface TracingOptions {
  /** Default: the SDK's (`service.name` unknown). */
  resource?: Resource
  /** OTLP/HTTP traces URL. */
  tracesEndpoint?: string | undefined
  /** More processors (tests: an in-memory exporter, registered before any app is built). */
  spanProcessors?: SpanProcessor[]
}

// The tracing SDK is loaded only when spans have somewhere to go.
const require = createRequire(import.meta.url)
let registered: NodeTracerProvider | undefined

/**
 * Registers the process's one tracer provider, once, when spans have
 * somewhere to go (`tracesEndpoint`: a batch exporter over OTLP/HTTP, or
 * `spanProcessors`); returns it, or undefined when there is nowhere. With it
 * come an AsyncLocalStorage context manager (the active span follows async
 * calls) and the W3C trace-context propagator (`traceparent`/`tracestate`
 * only: a caller's baggage is not passed on to the services behind). Later
 * calls return the first provider, whatever their options: several apps in one
 * process (tests) share it.
 *
 * Without an exporter nothing is registered: a span per request and the
 * context manager's hooks on every promise cost about 20 µs of CPU per
 * request, for spans no one would see.
 */
export function registerTracing(options: TracingOptions = {}): TracerProvider | undefined {
  if (registered) return registered
  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])]
  if (options.tracesEndpoint) {
    const { BatchSpanProcessor: Batch } = require('@opentelemetry/sdk-trace-base') as {
      BatchSpanProcessor: typeof BatchSpanProcessor
    }
    spanProcessors.unshift(new Batch(createOtlpTraceExporter(options.tracesEndpoint)))
  }
  if (spanProcessors.length === 0) return undefined
  const { NodeTracerProvider: Provider } = require('@opentelemetry/sdk-trace-node') as {
    NodeTracerProvider: typeof NodeTracerProvider
  }
  const { W3CTraceContextPropagator: TraceContext } = require('@opentelemetry/core') as {
    W3CTraceContextPropagator: typeof W3CTraceContextPropagator
  }
  const provider = new Provider({
    ...(options.resource ? { resource: options.resource } : {}),
    spanProcessors,
  })
  provider.register({ propagator: new TraceContext() })
  registered = provider
  return provider
}

/** Exports the spans ended so far (no-op when tracing is not registered). */
export async function flushTracing(): Promise<void> {
  await registered?.forceFlush()
}

/** The registered provider, or the API's (a no-op one unless someone else registered one). */
export function currentTracerProvider(): TracerProvider {
  return registered ?? trace.getTracerProvider()
}

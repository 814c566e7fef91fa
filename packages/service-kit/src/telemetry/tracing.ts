import { type TracerProvider, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { createOtlpTraceExporter } from './otlp-exporters.js'

export interface TracingOptions {
  /** Default: the SDK's (`service.name` unknown). */
  resource?: Resource
  /** OTLP/HTTP traces URL; none: spans are made (ids, propagation) but not exported. */
  tracesEndpoint?: string | undefined
  /** More processors (tests: an in-memory exporter, registered before any app is built). */
  spanProcessors?: SpanProcessor[]
}

let registered: NodeTracerProvider | undefined

/**
 * Registers the process's one tracer provider, once: an AsyncLocalStorage
 * context manager (the active span follows async calls), the W3C
 * trace-context propagator (only `traceparent`/`tracestate`: a caller's
 * baggage is not passed on to the services behind), and a batch exporter to
 * `tracesEndpoint` when there is one. Later calls return the first provider,
 * whatever their options: several apps in one process (tests) share it.
 */
export function registerTracing(options: TracingOptions = {}): TracerProvider {
  if (registered) return registered
  const spanProcessors: SpanProcessor[] = [
    ...(options.tracesEndpoint
      ? [new BatchSpanProcessor(createOtlpTraceExporter(options.tracesEndpoint))]
      : []),
    ...(options.spanProcessors ?? []),
  ]
  const provider = new NodeTracerProvider({
    ...(options.resource ? { resource: options.resource } : {}),
    spanProcessors,
  })
  provider.register({ propagator: new W3CTraceContextPropagator() })
  registered = provider
  return provider
}

/** Exports the spans ended so far (no-op when tracing is not registered). */
export async function flushTracing(): Promise<void> {
  await registered?.forceFlush()
}

/** The registered provider, or the API's (no-op unless someone else registered one). */
export function currentTracerProvider(): TracerProvider {
  return registered ?? trace.getTracerProvider()
}

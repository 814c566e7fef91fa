import { context, ProxyTracer, ROOT_CONTEXT, trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import Fastify from 'fastify'
import { expect, it, vi } from 'vitest'
import { createServiceTelemetry, registerTelemetry } from '../src/telemetry/index.js'

it('OTEL_SDK_DISABLED (enabled: false): no tracing registered, /metrics still answers', async () => {
  const telemetry = createServiceTelemetry({
    serviceName: 'off',
    enabled: false,
    tracesEndpoint: 'http://127.0.0.1:9/v1/traces',
  })
  const app = Fastify()
  await registerTelemetry(app, telemetry)
  app.get('/where', async () => ({
    recording: trace.getActiveSpan()?.isRecording() ?? false,
    root: context.active() === ROOT_CONTEXT,
  }))
  expect((await app.inject('/where')).json()).toEqual({ recording: false, root: true })
  expect(trace.getTracer('t').startSpan('s').isRecording()).toBe(false)
  expect((await app.inject('/metrics')).body).toMatch(
    /^http_server_request_duration_seconds_count/m,
  )
  await app.close()
  await telemetry.shutdown()
})

it('without a traces endpoint no tracer is registered: no spans, nothing to pay per request', async () => {
  const telemetry = createServiceTelemetry({ serviceName: 'quiet', processMetrics: false })
  expect(telemetry.tracerProvider).toBe(trace.getTracerProvider())
  const app = Fastify()
  await registerTelemetry(app, telemetry)
  app.get('/where', async (request) => ({
    span: trace.getActiveSpan() !== undefined,
    root: context.active() === ROOT_CONTEXT,
    fields: Reflect.ownKeys(request).length,
  }))
  // The same route without the telemetry: its requests carry as many fields.
  const bare = Fastify()
  bare.get('/where', async (request) => ({ fields: Reflect.ownKeys(request).length }))
  const { fields } = (await bare.inject('/where')).json() as { fields: number }
  // A caller's traceparent changes nothing: no propagator reads it, no span would carry it.
  // Not even a no-op span is started (the API's proxy tracer is the app's).
  const startSpan = vi.spyOn(ProxyTracer.prototype, 'startSpan')
  for (const headers of [{}, { traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` }]) {
    expect((await app.inject({ url: '/where', headers })).json()).toEqual({
      span: false,
      root: true,
      fields,
    })
  }
  expect(startSpan).not.toHaveBeenCalled()
  await bare.close()
  expect((await app.inject('/metrics')).body).toMatch(
    /^http_server_request_duration_seconds_count\{[^}]*http_route="\/where"[^}]*\} 2$/m,
  )
  // An SDK registered once the app is built gets its spans from the next request on.
  const exporter = new InMemorySpanExporter()
  const sdk = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  expect(trace.setGlobalTracerProvider(sdk)).toBe(true)
  try {
    // (No context manager comes with this SDK: the span is made and exported, not made active.)
    expect((await app.inject('/where')).statusCode).toBe(200)
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET /where'])
  } finally {
    trace.disable()
    await sdk.shutdown()
  }
  await app.close()
  await telemetry.shutdown()
})

import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import Fastify from 'fastify'
import { afterAll, expect, it } from 'vitest'
import { createServiceTelemetry, registerTelemetry } from '../src/telemetry/index.js'

// Propagation without tracing: the app's owner passes the callers' trace context on
// to the services behind (a W3C propagator and a context manager registered), with
// no tracer provider and so no spans of its own.
const contextManager = new AsyncLocalStorageContextManager().enable()
context.setGlobalContextManager(contextManager)
propagation.setGlobalPropagator(new W3CTraceContextPropagator())
afterAll(() => {
  propagation.disable()
  context.disable()
})

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT_ID = '00f067aa0ba902b7'

it("with a propagator but no tracer, the caller's trace context is the handler's to pass on", async () => {
  const telemetry = createServiceTelemetry({ serviceName: 'propagating', processMetrics: false })
  const app = Fastify()
  await registerTelemetry(app, telemetry)
  app.get('/where', async () => {
    // What the handler's own calls send upstream (the interceptor injects the active context).
    const carrier: Record<string, string> = {}
    // An await first: the context must follow the handler across it.
    await new Promise((resolve) => setImmediate(resolve))
    propagation.inject(context.active(), carrier)
    const span = trace.getActiveSpan()
    return { traceparent: carrier.traceparent ?? null, recording: span?.isRecording() ?? null }
  })
  try {
    // Sampled or not, the caller's context is passed on as it came.
    for (const traceparent of [
      `00-${TRACE_ID}-${PARENT_ID}-01`,
      `00-${TRACE_ID}-${PARENT_ID}-00`,
    ]) {
      const continued = await app.inject({ url: '/where', headers: { traceparent } })
      expect(continued.json()).toEqual({ traceparent, recording: false })
    }
    // No caller's context, no tracer: nothing to pass on, and no span at all.
    expect((await app.inject('/where')).json()).toEqual({ traceparent: null, recording: null })
    // A malformed traceparent is ignored, as the W3C propagator ignores it.
    const malformed = await app.inject({ url: '/where', headers: { traceparent: '00-zz' } })
    expect(malformed.json()).toEqual({ traceparent: null, recording: null })
    expect((await app.inject('/metrics')).body).toMatch(
      /^http_server_request_duration_seconds_count\{[^}]*http_route="\/where"[^}]*\} 4$/m,
    )
  } finally {
    await app.close()
    await telemetry.shutdown()
  }
})

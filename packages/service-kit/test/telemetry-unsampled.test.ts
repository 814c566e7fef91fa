import { trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import Fastify from 'fastify'
import { afterAll, expect, it } from 'vitest'
import { createServiceTelemetry, registerTelemetry } from '../src/telemetry/index.js'

// Someone else's tracing (an SDK set up by the app's owner) that samples nothing: its
// spans record nothing but still carry a trace context, which the handler's calls pass on.
const provider = new NodeTracerProvider({ sampler: new AlwaysOffSampler() })
provider.register({ propagator: new W3CTraceContextPropagator() })
afterAll(() => provider.shutdown())

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const traceparent = `00-${TRACE_ID}-00f067aa0ba902b7-00`

it('a span that records nothing still makes its trace context the active one', async () => {
  const telemetry = createServiceTelemetry({ serviceName: 'unsampled', processMetrics: false })
  const app = Fastify()
  await registerTelemetry(app, telemetry)
  app.get('/where', async () => {
    const span = trace.getActiveSpan()
    return { recording: span?.isRecording() ?? null, traceId: span?.spanContext().traceId ?? null }
  })
  try {
    const continued = await app.inject({ url: '/where', headers: { traceparent } })
    expect(continued.json()).toEqual({ recording: false, traceId: TRACE_ID })
    const started = (await app.inject('/where')).json() as { recording: boolean; traceId: string }
    expect(started.recording).toBe(false)
    expect(started.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(started.traceId).not.toBe(TRACE_ID)
    expect((await app.inject('/metrics')).body).toMatch(
      /^http_server_request_duration_seconds_count\{[^}]*http_route="\/where"[^}]*\} 2$/m,
    )
  } finally {
    await app.close()
    await telemetry.shutdown()
  }
})

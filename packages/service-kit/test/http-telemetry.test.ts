import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { healthRoutes, registerOpenApi } from '../src/index.js'
import {
  createServiceTelemetry,
  registerTelemetry,
  registerTracing,
  type ServiceTelemetry,
} from '../src/telemetry/index.js'

// The process's tracing, with an in-memory exporter, before any app is built.
const spans = new InMemorySpanExporter()
registerTracing({ spanProcessors: [new SimpleSpanProcessor(spans)] })
const tracer = trace.getTracer('test')

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const PARENT_ID = 'b7ad6b7169203331'
const traceparent = `00-${TRACE_ID}-${PARENT_ID}-01`

/** The span active where it is called, and a child started there (an outbound call's). */
function whereAmI() {
  const child = tracer.startSpan('outbound')
  child.end()
  return {
    active: trace.getActiveSpan()?.spanContext().spanId ?? null,
    childParent: (child as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext
      ?.spanId,
  }
}

let telemetry: ServiceTelemetry
let app: FastifyInstance
let url: string

beforeAll(async () => {
  telemetry = createServiceTelemetry({ serviceName: 'kit-test', serviceVersion: '1.2.3' })
  app = Fastify()
  await registerOpenApi(app, {
    title: 't',
    description: 't',
    tokenUrl: 'http://auth.test/oauth/token',
    scopes: {},
  })
  await registerTelemetry(app, telemetry)
  await app.register(healthRoutes, {})
  // Hooks of a child scope registered after, like @m2m/auth/fastify's.
  await app.register(async (scope) => {
    scope.addHook('preValidation', async (request) => {
      ;(request as unknown as { seenInHook: unknown }).seenInHook = whereAmI()
    })
    scope.post('/things/:id', async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      await Promise.resolve()
      return {
        hook: (request as unknown as { seenInHook: unknown }).seenInHook,
        handler: whereAmI(),
      }
    })
    scope.get('/things/:id', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      return { handler: whereAmI() }
    })
    scope.get('/boom', async () => {
      throw new Error('boom')
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
})
afterAll(async () => {
  await app.close()
  await telemetry.shutdown()
})
beforeEach(() => spans.reset())

const serverSpans = () => spans.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER)

describe('server spans', () => {
  it('continues the caller’s traceparent, named after the route, with the semantic-convention attributes', async () => {
    const res = await fetch(`${url}/things/42?q=secret`, {
      headers: { traceparent, 'user-agent': 'kit-test/1' },
    })
    expect(res.status).toBe(200)
    const [span] = serverSpans()
    expect(span?.name).toBe('GET /things/:id')
    expect(span?.spanContext().traceId).toBe(TRACE_ID)
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_ID)
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/things/:id',
      'url.path': '/things/42',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'client.address': '127.0.0.1',
      'user_agent.original': 'kit-test/1',
      'http.response.status_code': 200,
    })
    // The query string (addresses, coordinates) stays out of spans.
    expect(JSON.stringify(span?.attributes)).not.toContain('secret')
    expect(span?.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('starts a new trace without a traceparent', async () => {
    await fetch(`${url}/things/1`)
    const [span] = serverSpans()
    expect(span?.parentSpanContext).toBeUndefined()
    expect(span?.spanContext().traceId).not.toBe(TRACE_ID)
  })

  // Over a real socket: the body is read on the request stream's events, outside the hook chain.
  for (const [name, send] of [
    ['over HTTP', (path: string, body: string) => fetch(`${url}${path}`, post(body))],
    [
      'through inject',
      (path: string, body: string) =>
        app.inject({
          method: 'POST',
          url: path,
          headers: { traceparent, 'content-type': 'application/json' },
          payload: body,
        }),
    ],
    ['sent slowly, in pieces', (path: string, body: string) => postInPieces(path, body)],
  ] as const) {
    it(`keeps the span active through body parsing into later hooks and the async handler (${name})`, async () => {
      const res = await send('/things/7', JSON.stringify({ text: 'x'.repeat(256 * 1024) }))
      const seen = (
        'json' in res && typeof res.json === 'function' ? await res.json() : undefined
      ) as {
        hook: { active: string; childParent: string }
        handler: { active: string; childParent: string }
      }
      const [span] = serverSpans()
      const id = span?.spanContext().spanId
      expect(id).toBeDefined()
      expect(span?.spanContext().traceId).toBe(TRACE_ID)
      expect(seen.hook).toEqual({ active: id, childParent: id })
      expect(seen.handler).toEqual({ active: id, childParent: id })
      // The outbound spans joined the caller's trace.
      const outbound = spans.getFinishedSpans().filter((s) => s.name === 'outbound')
      expect(outbound.map((s) => s.spanContext().traceId)).toEqual([TRACE_ID, TRACE_ID])
    })
  }

  it('marks a 5xx as an error (and a 4xx not)', async () => {
    expect((await fetch(`${url}/boom`)).status).toBe(500)
    const [failed] = serverSpans()
    expect(failed?.name).toBe('GET /boom')
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR)
    expect(failed?.attributes['error.type']).toBe('500')
    expect(failed?.events.map((e) => e.name)).toEqual(['exception'])
    spans.reset()
    expect((await fetch(`${url}/things/1`, post('{'))).status).toBe(400)
    expect(serverSpans()[0]?.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('names a request that matched no route by its method only', async () => {
    expect((await fetch(`${url}/nowhere`)).status).toBe(404)
    const [span] = serverSpans()
    expect(span?.name).toBe('GET')
    expect(span?.attributes['http.route']).toBeUndefined()
  })

  it('leaves probes and scrapes out of traces', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) await fetch(`${url}${path}`)
    expect(serverSpans()).toEqual([])
  })
})

describe('GET /metrics', () => {
  it('is Prometheus text with the app’s own instruments, the request durations and the process', async () => {
    telemetry.meterProvider
      .getMeter('kit-test')
      .createCounter('kit.test.widgets', { description: 'Widgets made' })
      .add(3, { colour: 'blue' })
    await fetch(`${url}/things/1`)
    const res = await fetch(`${url}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    expect(text).toMatch(/^kit_test_widgets_total\{colour="blue"\} 3$/m)
    expect(text).toMatch(
      /^http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/things\/:id",http_response_status_code="200"\} [1-9]\d*$/m,
    )
    expect(text).toMatch(/^# TYPE http_server_request_duration_seconds histogram$/m)
    for (const sample of [
      /^process_cpu_time_seconds_total\{cpu_mode="user"\} [\d.e+-]+$/m,
      /^process_memory_usage_bytes \d+$/m,
      /^v8js_memory_heap_used_bytes\{v8js_heap_space_name="old_space"\} \d+$/m,
      /^v8js_memory_heap_limit_bytes\{v8js_heap_space_name="old_space"\} \d+$/m,
      /^nodejs_eventloop_utilization_ratio [\d.e+-]+$/m,
      /^process_uptime_seconds [\d.e+-]+$/m,
    ]) {
      expect(text).toMatch(sample)
    }
    expect(text).toMatch(/^target_info\{service_name="kit-test",service_version="1.2.3",/m)
    // No scope labels: series keep the labels they were given.
    expect(text).not.toContain('otel_scope_name')
  })

  it('shows event-loop delay percentiles once the monitor has samples', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const text = await telemetry.prometheusText()
    for (const p of ['p50', 'p90', 'p99', 'min', 'max', 'mean']) {
      expect(text).toMatch(new RegExp(`^nodejs_eventloop_delay_${p}_seconds [\\d.e+-]+$`, 'm'))
    }
  })

  it('is outside the OpenAPI document and needs no token', async () => {
    const doc = (await app.inject('/docs/json')).json()
    expect(Object.keys(doc.paths)).not.toContain('/metrics')
    expect(Object.keys(doc.paths)).toContain('/things/{id}')
  })

  it('shows each app its own numbers when several share a process', async () => {
    const other = createServiceTelemetry({ serviceName: 'other', processMetrics: false })
    const second = Fastify()
    await registerTelemetry(second, other)
    second.get('/only-here', async () => 'ok')
    await second.inject('/only-here')
    const mine = await telemetry.prometheusText()
    const theirs = await (await second.inject('/metrics')).body
    expect(theirs).toContain('http_route="/only-here"')
    expect(mine).not.toContain('/only-here')
    expect(theirs).not.toContain('/things/:id')
    expect(theirs).not.toContain('process_cpu_time')
    await second.close()
    await other.shutdown()
  })

  it('leaves out only the series of a callback that fails', async () => {
    const meter = telemetry.meterProvider.getMeter('kit-test')
    meter.createObservableGauge('kit.test.broken').addCallback(async () => {
      throw new Error('store down')
    })
    meter.createObservableGauge('kit.test.fine').addCallback((result) => result.observe(1))
    const res = await fetch(`${url}/metrics`)
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toMatch(/^kit_test_fine 1$/m)
    expect(text).not.toMatch(/^kit_test_broken /m)
  })
})

/** The body in three pieces 30 ms apart: the later ones arrive after the hooks ran. */
async function postInPieces(path: string, body: string) {
  const { request } = await import('node:http')
  return new Promise<{ json(): unknown }>((resolve, reject) => {
    const req = request(`${url}${path}`, {
      method: 'POST',
      headers: { traceparent, 'content-type': 'application/json' },
    })
    req.on('error', reject)
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => {
        text += chunk
      })
      res.on('end', () => resolve({ json: () => JSON.parse(text) }))
    })
    const third = Math.ceil(body.length / 3)
    const pieces = [body.slice(0, third), body.slice(third, 2 * third), body.slice(2 * third)]
    const next = () => {
      const piece = pieces.shift()
      if (piece === undefined) return req.end()
      req.write(piece)
      setTimeout(next, 30)
    }
    next()
  })
}

function post(body: string): RequestInit {
  return { method: 'POST', headers: { traceparent, 'content-type': 'application/json' }, body }
}

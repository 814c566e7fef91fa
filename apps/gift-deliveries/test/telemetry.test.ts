import { registerTracing } from '@m2m/service-kit/telemetry'
import { SpanKind } from '@opentelemetry/api'
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack } from './helpers/stack.js'
import { type GiftDeliveries, startGiftDeliveries } from './helpers/system.js'

// The process's tracing, registered before any app is built: the three apps
// of the stack (tenant, world-mappers, gift-deliveries) record into it.
const spans = new InMemorySpanExporter()
registerTracing({ spanProcessors: [new SimpleSpanProcessor(spans)] })

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const CALLER_SPAN = 'b7ad6b7169203331'

let stack: Stack<GiftDeliveries>
beforeAll(async () => {
  stack = await startStack(startGiftDeliveries)
}, 60_000)
afterAll(async () => {
  await stack?.close()
})

function delivery(headers: Record<string, string> = {}) {
  return stack.gifts.app.inject({
    method: 'POST',
    url: '/deliveries',
    headers: { authorization: `Bearer ${stack.storefront}`, ...headers },
    payload: { recipient: { name: 'Ada' }, gift: { description: 'Book' }, destination: 'Paris' },
  })
}

describe('one trace across the services', () => {
  it('a delivery: the caller’s trace goes on through the token exchange (into the tenant) and the world-mappers call', async () => {
    spans.reset()
    const res = await delivery({ traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` })
    expect(res.statusCode).toBe(201)
    const inTrace = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID)
    const find = (kind: SpanKind, name: string): ReadableSpan => {
      const found = inTrace.find((s) => s.kind === kind && s.name === name)
      if (!found) throw new Error(`no ${SpanKind[kind]} span ${name} in ${names(inTrace)}`)
      return found
    }
    const server = find(SpanKind.SERVER, 'POST /deliveries')
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN)
    expect(server.attributes['http.response.status_code']).toBe(201)
    // Made in the route's handler: children of its span.
    const exchange = find(SpanKind.CLIENT, 'm2m.token.exchange')
    expect(exchange.parentSpanContext?.spanId).toBe(server.spanContext().spanId)
    // The token request carried the exchange's traceparent: the tenant's span is its child.
    const issued = find(SpanKind.SERVER, 'POST /oauth/token')
    expect(issued.parentSpanContext?.spanId).toBe(exchange.spanContext().spanId)
    const call = find(SpanKind.CLIENT, 'HTTP GET')
    expect(call.parentSpanContext?.spanId).toBe(server.spanContext().spanId)
    // The interceptor sent traceparent: world-mappers' span is the call's child.
    const upstream = find(SpanKind.SERVER, 'GET /api/directions')
    expect(upstream.parentSpanContext?.spanId).toBe(call.spanContext().spanId)
  })

  it('a request without traceparent starts its own trace, still joined by world-mappers', async () => {
    spans.reset()
    const res = await delivery()
    expect(res.statusCode).toBe(201)
    const server = spans
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /deliveries')
    expect(server?.parentSpanContext).toBeUndefined()
    const upstream = spans.getFinishedSpans().find((s) => s.name === 'GET /api/directions')
    expect(upstream?.spanContext().traceId).toBe(server?.spanContext().traceId)
  })
})

describe('GET /metrics of each service', () => {
  it('shows each app its own requests, and the tenant its tokens', async () => {
    await delivery()
    const metricsOf = async (app: GiftDeliveries['app']) => (await app.inject('/metrics')).body
    const gifts = await metricsOf(stack.gifts.app)
    const mappers = await metricsOf(stack.mappers.app)
    const tenant = await metricsOf(stack.tenant.app)
    const served = (route: string, status = 200) =>
      new RegExp(
        `^http_server_request_duration_seconds_count\\{http_request_method="\\w+",http_route="${route}",http_response_status_code="${status}"\\} \\d+$`,
        'm',
      )
    expect(gifts).toMatch(served('/deliveries', 201))
    expect(gifts).not.toMatch(served('/api/directions'))
    expect(mappers).toMatch(served('/api/directions'))
    expect(mappers).not.toMatch(served('/deliveries', 201))
    expect(tenant).toMatch(served('/oauth/token'))
    expect(tenant).toMatch(
      /^m2m_tenant_tokens_issued_total\{client_id="gift-deliveries-dev",audience="urn:worldmappers",outcome="issued"\} \d+$/m,
    )
    for (const text of [gifts, mappers, tenant]) {
      expect(text).toMatch(/^process_cpu_time_seconds_total\{cpu_mode="user"\} /m)
    }
    expect(mappers).toMatch(/^target_info\{service_name="world-mappers",/m)
    expect(tenant).toMatch(/^target_info\{service_name="auth-server",/m)
  })
})

function names(list: ReadableSpan[]): string {
  return list.map((s) => `${SpanKind[s.kind]} ${s.name}`).join(', ')
}

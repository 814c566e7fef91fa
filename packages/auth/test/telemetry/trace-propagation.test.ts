import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  context,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { Agent, request } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createBearerInterceptor } from '../../src/http/index.js'
import { SPAN_TOKEN_EXCHANGE } from '../../src/telemetry/index.js'
import { createTokenProvider, type TokenProvider } from '../../src/token/index.js'
import { providerOptionsFor, startTokenServer, type TokenServer } from '../helpers/token-server.js'
import { otelPerTest, spanText } from './otel-harness.js'

const secret = 'propagation-secret-0123456789'
const otel = otelPerTest()

interface Downstream {
  origin: string
  port: number
  /** Headers of each request, and the server span each one continued. */
  seen: Array<{ headers: IncomingHttpHeaders; url: string }>
  answer: (index: number) => { status: number; headers?: Record<string, string> }
  close(): Promise<void>
}

/**
 * The receiving service: extracts the W3C trace context the caller sent and
 * continues the trace with a SERVER span of its own, as an instrumented
 * service does.
 */
async function startDownstream(): Promise<Downstream> {
  const state: Downstream = {
    origin: '',
    port: 0,
    seen: [],
    answer: () => ({ status: 200 }),
    close: async () => {},
  }
  const server: Server = createServer((req, res) => {
    const index = state.seen.push({ headers: req.headers, url: req.url ?? '' }) - 1
    const parent = propagation.extract(ROOT_CONTEXT, req.headers)
    const tracer = otel.telemetry.tracerProvider.getTracer('downstream')
    const span = tracer.startSpan('GET /resource', { kind: SpanKind.SERVER }, parent)
    const { status, headers } = state.answer(index)
    res.writeHead(status, headers ?? {})
    res.end('{}', () => span.end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  state.port = port
  state.origin = `http://127.0.0.1:${port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}

let tokens: TokenServer
let downstream: Downstream
let provider: TokenProvider
let agent: Agent

beforeEach(async () => {
  tokens = await startTokenServer()
  downstream = await startDownstream()
  provider = createTokenProvider({
    ...providerOptionsFor(tokens, secret),
    telemetry: otel.telemetry,
  })
  agent = new Agent().compose(
    createBearerInterceptor(provider, { origins: downstream.origin, telemetry: otel.telemetry }),
  ) as Agent
})

afterEach(async () => {
  await agent.close()
  await provider.close()
  await downstream.close()
  await tokens.close()
})

/** Runs `fn` inside an active `caller` span, as a request handler of an instrumented service would. */
async function asCaller<T>(fn: () => Promise<T>): Promise<{ result: T; caller: Span }> {
  const tracer = otel.telemetry.tracerProvider.getTracer('caller')
  return tracer.startActiveSpan('caller', async (caller) => {
    try {
      return { result: await fn(), caller }
    } finally {
      caller.end()
    }
  })
}

function traceparentOf(headers: IncomingHttpHeaders): { traceId: string; spanId: string } {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(String(headers.traceparent))
  if (!match) throw new Error(`no valid traceparent: ${String(headers.traceparent)}`)
  return { traceId: match[1] as string, spanId: match[2] as string }
}

const named = (name: string) => otel.spans().filter((span) => span.name === name)
const parentOf = (span: ReadableSpan | undefined) => span?.parentSpanContext?.spanId

describe('an outbound call through the interceptor', () => {
  it('carries a traceparent that continues the caller’s trace through its CLIENT span', async () => {
    const { caller } = await asCaller(async () => {
      const response = await request(`${downstream.origin}/resource?city=paris&key=abc`, {
        dispatcher: agent,
      })
      await response.body.dump()
      return response.statusCode
    })
    const callerContext = caller.spanContext()
    const [http] = named('HTTP GET')
    const [exchange] = named(SPAN_TOKEN_EXCHANGE)
    const [server] = named('GET /resource')

    const sent = traceparentOf(downstream.seen[0]?.headers ?? {})
    expect(sent.traceId).toBe(callerContext.traceId)
    expect(sent.spanId).toBe(http?.spanContext().spanId)

    expect(http?.kind).toBe(SpanKind.CLIENT)
    expect(http?.spanContext().traceId).toBe(callerContext.traceId)
    expect(parentOf(http)).toBe(callerContext.spanId)
    expect(http?.attributes).toEqual({
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': downstream.port,
      'url.full': `${downstream.origin}/resource`,
      'http.response.status_code': 200,
    })
    expect(http?.status.code).toBe(SpanStatusCode.UNSET)

    // The token exchange made for the call is a child of the caller's span too.
    expect(exchange?.spanContext().traceId).toBe(callerContext.traceId)
    expect(parentOf(exchange)).toBe(callerContext.spanId)

    // The receiving service continued the trace under the CLIENT span.
    expect(server?.spanContext().traceId).toBe(callerContext.traceId)
    expect(parentOf(server)).toBe(http?.spanContext().spanId)

    for (const span of otel.spans()) {
      const text = spanText(span)
      expect(text).not.toContain('token-1')
      expect(text).not.toContain(secret)
      expect(text.toLowerCase()).not.toContain('authorization')
      expect(text).not.toContain('key=abc')
    }
  })

  it('replaces a traceparent the caller set, and keeps its other headers', async () => {
    await asCaller(async () => {
      const response = await request(`${downstream.origin}/resource`, {
        dispatcher: agent,
        headers: {
          TraceParent: '00-11111111111111111111111111111111-2222222222222222-01',
          'x-request-id': 'r-1',
        },
      })
      await response.body.dump()
    })
    const headers = downstream.seen[0]?.headers ?? {}
    expect(traceparentOf(headers).spanId).toBe(named('HTTP GET')[0]?.spanContext().spanId)
    expect(headers['x-request-id']).toBe('r-1')
  })

  it('counts the resend after a 401 invalid_token in one span; the new exchange is the caller’s child', async () => {
    const call = async () => {
      const response = await request(`${downstream.origin}/resource`, { dispatcher: agent })
      await response.body.dump()
    }
    // An earlier caller opens the keep-alive socket: undici calls back in its context.
    const { caller: earlier } = await asCaller(call)
    await new Promise((resolve) => setTimeout(resolve, 50)) // the socket back in the pool
    downstream.answer = (index) =>
      index === 1
        ? { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }
        : { status: 200 }
    const { caller } = await asCaller(call)
    const spans = named('HTTP GET').filter((span) => parentOf(span) === caller.spanContext().spanId)
    expect(spans).toHaveLength(1)
    expect(spans[0]?.attributes).toMatchObject({
      'http.request.resend_count': 1,
      'http.response.status_code': 200,
    })
    const [first, second] = downstream.seen.slice(1).map((seen) => traceparentOf(seen.headers))
    expect(first).toEqual(second)
    const exchanges = named(SPAN_TOKEN_EXCHANGE)
    expect(exchanges.map(parentOf)).toEqual([
      earlier.spanContext().spanId,
      caller.spanContext().spanId,
    ])
  })

  it('ends with status ERROR on a 5xx answer and on a network failure', async () => {
    downstream.answer = () => ({ status: 502 })
    await asCaller(async () => {
      const response = await request(`${downstream.origin}/resource`, { dispatcher: agent })
      await response.body.dump()
    })
    expect(named('HTTP GET')[0]?.attributes).toMatchObject({
      'http.response.status_code': 502,
      'error.type': '502',
    })
    expect(named('HTTP GET')[0]?.status.code).toBe(SpanStatusCode.ERROR)

    await downstream.close()
    await asCaller(async () => {
      await expect(
        request(`${downstream.origin}/resource`, { dispatcher: agent }),
      ).rejects.toThrow()
    })
    const failed = named('HTTP GET')[1]
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR)
    expect(failed?.attributes['error.type']).toMatch(/^[A-Z_]+$/)
    expect(failed?.attributes['http.response.status_code']).toBeUndefined()
  })

  it('leaves requests to other origins alone: no span, no traceparent', async () => {
    const other = await startDownstream()
    try {
      await asCaller(async () => {
        const response = await request(`${other.origin}/resource`, { dispatcher: agent })
        await response.body.dump()
      })
      expect(named('HTTP GET')).toEqual([])
      expect(other.seen[0]?.headers.traceparent).toBeUndefined()
      expect(other.seen[0]?.headers.authorization).toBeUndefined()
    } finally {
      await other.close()
    }
  })

  it('makes no span and sends no traceparent with a tracer provider that records nothing', async () => {
    const silent = new Agent().compose(
      createBearerInterceptor(provider, {
        origins: downstream.origin,
        telemetry: { tracerProvider: new ProxyTracerProvider() },
      }),
    )
    try {
      await asCaller(async () => {
        const response = await request(`${downstream.origin}/resource`, { dispatcher: silent })
        await response.body.dump()
      })
    } finally {
      await silent.close()
    }
    expect(named('HTTP GET')).toEqual([])
    expect(downstream.seen[0]?.headers.traceparent).toBeUndefined()
    expect(downstream.seen[0]?.headers.authorization).toBe('Bearer token-1')
  })

  it('is a root span with no active context, and its exchange one too', async () => {
    const response = await context.with(ROOT_CONTEXT, () =>
      request(`${downstream.origin}/resource`, { dispatcher: agent }),
    )
    await response.body.dump()
    const [http] = named('HTTP GET')
    expect(parentOf(http)).toBeUndefined()
    expect(parentOf(named(SPAN_TOKEN_EXCHANGE)[0])).toBeUndefined()
    expect(traceparentOf(downstream.seen[0]?.headers ?? {}).traceId).toBe(
      http?.spanContext().traceId,
    )
    expect(trace.getActiveSpan()).toBeUndefined()
  })
})

import type { FastifyInstance } from 'fastify'
import type { LogEvent } from '../../logs/log-store.js'
import { sessionOf } from '../access-guard.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { createEventStreams } from './event-streams.js'
import { exchangeMatcher, exchangeView, logPaths, NO_FILTER, parseLogFilter } from './log-filter.js'
import { LogPage } from './log-views.js'

type WithFilter = { Querystring: Record<string, unknown> }

const ROUTE = '/logs'
/** Rows the page renders; the live log keeps as many. */
export const LOG_PAGE_SIZE = 100
export const LIVE_LOG_LIMITS = Object.freeze({
  maxStreams: 50,
  heartbeatMs: 15_000,
  retryMs: 3_000,
  maxBufferedBytes: 1024 * 1024,
})
/** Events a reconnecting browser gets back after its `Last-Event-ID`, at most. */
const REPLAY_MAX = LOG_PAGE_SIZE
const LOG_ID = /^[0-9a-f]{24}$/

const plainText = 'text/plain; charset=utf-8'

/**
 * The exchange log: `/logs` renders the latest matching exchanges (a GET form
 * filters them), `/logs/stream` sends each new one as a server-sent event.
 */
export function logRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { logs, state, sendPage, sessions } = deps
  const streams = createEventStreams(LIVE_LOG_LIMITS)
  // Open streams never end by themselves: without this, close() would wait for every browser.
  scope.addHook('preClose', async () => streams.closeAll())

  scope.get<WithFilter>(ROUTE, (request, reply) => {
    const parsed = parseLogFilter(request.query)
    const filter = parsed.ok ? parsed.filter : NO_FILTER
    const result = parsed.ok
      ? logs.query({ page: 0, perPage: LOG_PAGE_SIZE, match: exchangeMatcher(filter) })
      : { logs: [], total: 0 }
    return sendPage(request, reply, {
      title: 'Logs',
      status: parsed.ok ? 200 : 400,
      content: (
        <LogPage
          filter={filter}
          rows={result.logs.map(exchangeView)}
          total={result.total}
          limit={LOG_PAGE_SIZE}
          streamPath={logPaths(filter).stream}
          clients={state.clients}
          apis={state.resourceServers}
          problem={parsed.ok ? undefined : parsed.problem}
        />
      ),
    })
  })

  // No HEAD twin: it would hold a stream open with nothing to send.
  scope.get<WithFilter>(`${ROUTE}/stream`, { exposeHeadRoute: false }, (request, reply) => {
    const parsed = parseLogFilter(request.query)
    if (!parsed.ok) return reply.code(400).type(plainText).send(parsed.problem)
    if (!streams.hasRoom()) {
      return reply
        .code(503)
        .header('retry-after', String(LIVE_LOG_LIMITS.retryMs / 1000))
        .type(plainText)
        .send('Too many live logs are open: close other dashboard tabs, or reload later.')
    }
    const matches = exchangeMatcher(parsed.filter)
    // hijack() skips Fastify from here on: the headers set so far (the dashboard's
    // security headers) are written by hand.
    const headers = reply.getHeaders()
    reply.hijack()
    let unsubscribe = () => {}
    const session = sessionOf(request)
    const stream = streams.open(
      reply.raw,
      headers,
      () => unsubscribe(),
      () => session !== undefined && sessions.isActive(session),
    )
    if (!stream) {
      reply.raw.destroy()
      return
    }
    // Runs inside the token endpoint's logging: a broken stream is dropped, never
    // thrown into an exchange.
    const send = (event: LogEvent) => {
      try {
        if (matches(event)) stream.send('exchange', exchangeView(event), event.log_id)
      } catch (error) {
        request.log.warn({ err: error }, 'live log stream dropped')
        reply.raw.destroy()
      }
    }
    // A browser that reconnects names the last event it saw: it gets what it missed.
    const lastEventId = request.headers['last-event-id']
    if (typeof lastEventId === 'string' && LOG_ID.test(lastEventId)) {
      const missed = logs.query({
        page: 0,
        perPage: 0,
        from: lastEventId,
        take: REPLAY_MAX,
        match: matches,
      })
      for (const event of missed.logs) send(event)
    }
    unsubscribe = logs.subscribe(send)
  })
}

import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { type Dispatcher, request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createEventStreams } from '../../src/dashboard/logs/event-streams.js'
import { LIVE_LOG_LIMITS } from '../../src/dashboard/logs/log-routes.js'
import { devClient } from '../helpers/live-server.js'
import { type DashboardHarness, dashboardApp } from './dashboard-helpers.js'

const gift = devClient('GIFT_DELIVERIES')
const storefront = devClient('STOREFRONT')

function exchange(
  app: FastifyInstance,
  client: { clientId: string; clientSecret: string },
  audience: string,
  scope?: string,
) {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      audience,
      ...(scope ? { scope } : {}),
    },
  })
}

/** The outcome class of each row of the page, top to bottom. */
const rowTypes = (html: string) =>
  [...html.matchAll(/<tr class="outcome-([\w]+)"/g)].map((match) => match[1])

interface SseEvent {
  id?: string
  event?: string
  data?: string
}

/** Reads a server-sent event stream as it comes; `next()` waits for the next event (comments skipped). */
function sseReader(body: Dispatcher.ResponseData['body']) {
  const events: SseEvent[] = []
  const waiters: Array<() => void> = []
  let buffer = ''
  let text = ''
  let ended = false
  const done = (async () => {
    for await (const chunk of body) {
      text += chunk.toString()
      buffer += chunk.toString()
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event: SseEvent = {}
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(': ')
          if (field === 'id' || field === 'event' || field === 'data')
            event[field] = rest.join(': ')
        }
        if (event.event) events.push(event)
        end = buffer.indexOf('\n\n')
      }
      for (const wake of waiters.splice(0)) wake()
    }
  })()
    .catch(() => {})
    .finally(() => {
      ended = true
      for (const wake of waiters.splice(0)) wake()
    })
  let read = 0
  return {
    /** Everything received so far. */
    text: () => text,
    ended: () => ended,
    done,
    async next(timeoutMs = 3_000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs
      while (read >= events.length) {
        if (ended) throw new Error('the stream ended')
        if (Date.now() > deadline) throw new Error('no event in time')
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          new Promise((resolve) => setTimeout(resolve, 50)),
        ])
      }
      return events[read++] as SseEvent
    },
    /** Waits until the stream has sent `marker`. */
    async sent(marker: string, timeoutMs = 3_000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (!text.includes(marker)) {
        if (ended || Date.now() > deadline) throw new Error(`never sent ${marker}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
  }
}

describe('/dashboard/logs, before any exchange', () => {
  it('says there are no exchanges yet, with a live status and an empty table to fill', async () => {
    const harness = await dashboardApp()
    try {
      const { cookie } = await harness.signIn()
      const page = await harness.app.inject({ url: '/dashboard/logs', headers: { cookie } })
      expect(page.statusCode).toBe(200)
      expect(page.body).toContain('<tbody id="log-rows"')
      expect(page.body).toMatch(/<p id="log-empty" class="empty">No exchanges yet/)
      expect(page.body).toMatch(/<span id="live-status" role="status" data-state="off">Not live/)
      expect(page.body).toContain(
        'data-stream="/dashboard/logs/stream?client=&amp;audience=&amp;outcome=all"',
      )
      expect(page.body).toContain('<caption>')
      expect(page.body).toContain('<th scope="col">Outcome</th>')
      expect(rowTypes(page.body)).toEqual([])
    } finally {
      await harness.app.close()
    }
  })
})

describe('/dashboard/logs', () => {
  let harness: DashboardHarness
  let cookie: string
  const show = async (query = '') =>
    harness.app.inject({ url: `/dashboard/logs${query}`, headers: { cookie } })

  // Three exchanges, oldest first: issued (Gift Deliveries), issued (Storefront), refused (Gift Deliveries).
  beforeAll(async () => {
    harness = await dashboardApp()
    ;({ cookie } = await harness.signIn())
    expect((await exchange(harness.app, gift, 'urn:worldmappers')).statusCode).toBe(200)
    expect((await exchange(harness.app, storefront, 'urn:gift-deliveries')).statusCode).toBe(200)
    const refused = await exchange(harness.app, gift, 'urn:worldmappers', 'not:granted')
    expect(refused.statusCode).toBe(403)
  })
  afterAll(async () => {
    await harness.app.close()
  })

  it('lists issued and refused exchanges, newest first, outcome in words and not colour only', async () => {
    const page = await show()
    expect(rowTypes(page.body)).toEqual(['feccft', 'seccft', 'seccft'])
    expect(page.body).toMatch(/<p id="log-empty" class="empty" hidden/)
    expect(page.body).toContain('<span class="outcome-mark" aria-hidden="true">✗</span> Refused')
    expect(page.body).toContain('<span class="outcome-mark" aria-hidden="true">✓</span> Issued')
    expect(page.body).toContain(
      '<code>access_denied</code>: Client has not been granted scopes: not:granted',
    )
    expect(page.body).toContain('<code>geocode:location reverse-geocode:location directions</code>')
    expect(page.body).toContain(
      '<span class="client-name">Storefront</span> <code>storefront-dev</code>',
    )
    // Nothing secret, and no IP or user agent either.
    expect(page.body).not.toContain(gift.clientSecret)
    expect(page.body).not.toContain('127.0.0.1')
  })

  const filters: Array<[name: string, query: string, expected: string[]]> = [
    ['one application', 'client=storefront-dev', ['seccft']],
    ['one API', 'audience=urn%3Aworldmappers', ['feccft', 'seccft']],
    ['refused only', 'outcome=refused', ['feccft']],
    ['issued only, one API', 'outcome=issued&audience=urn%3Aworldmappers', ['seccft']],
    ['an unknown application', 'client=nobody', []],
  ]
  for (const [name, query, expected] of filters) {
    it(`filters without JavaScript (GET form): ${name}`, async () => {
      const page = await show(`?${query}`)
      expect(page.statusCode).toBe(200)
      expect(rowTypes(page.body)).toEqual(expected)
      expect(page.body).toContain('<form method="get" action="/dashboard/logs"')
      const asked = new URLSearchParams(query)
      const stream = new URLSearchParams({
        client: asked.get('client') ?? '',
        audience: asked.get('audience') ?? '',
        outcome: asked.get('outcome') ?? 'all',
      })
      expect(page.body).toContain(
        `data-stream="/dashboard/logs/stream?${stream.toString().replaceAll('&', '&amp;')}"`,
      )
      if (expected.length === 0)
        expect(page.body).toContain('No exchanges yet match these filters.')
    })
  }

  it('keeps the chosen filters selected in the form', async () => {
    const page = await show('?client=storefront-dev&outcome=refused')
    expect(page.body).toMatch(/<option value="storefront-dev" selected>Storefront<\/option>/)
    expect(page.body).toMatch(/<option value="refused" selected>Refused<\/option>/)
    expect(page.body).toContain('Clear filters')
  })

  const badFilters: Array<[query: string, problem: string]> = [
    ['outcome=maybe', 'outcome must be all, issued or refused.'],
    ['client=a&client=b', 'client must be given once.'],
    [`audience=${'x'.repeat(1001)}`, 'audience is longer than 1000 characters.'],
  ]
  for (const [query, problem] of badFilters) {
    it(`answers 400 naming what is wrong with a filter: ${problem}`, async () => {
      const page = await show(`?${query}`)
      expect(page.statusCode).toBe(400)
      expect(page.body).toContain(`The filter was not applied: ${problem}`)
      expect(page.body).toContain('id="log-filter"')
      const stream = await show(`/stream?${query}`)
      expect(stream.statusCode).toBe(400)
      expect(stream.body).toBe(problem)
    })
  }
})

describe('/dashboard/logs/stream', () => {
  let harness: DashboardHarness | undefined
  let base = ''
  let cookie = ''

  async function listen() {
    harness = await dashboardApp()
    ;({ cookie } = await harness.signIn())
    const address = await harness.app.listen({ port: 0, host: '127.0.0.1' })
    base = address
  }

  async function openStream(query = '', headers: Record<string, string> = {}) {
    const response = await request(`${base}/dashboard/logs/stream${query}`, {
      headers: { cookie, accept: 'text/event-stream', ...headers },
    })
    return { response, reader: sseReader(response.body) }
  }

  afterEach(async () => {
    await harness?.app.close()
    harness = undefined
  })

  it('sends each new exchange as an `exchange` event, with the security headers and no secret', async () => {
    await listen()
    const { response, reader } = await openStream('?client=&audience=&outcome=all')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.headers['x-accel-buffering']).toBe('no')
    expect(response.headers['content-security-policy']).toContain("script-src 'self'")
    expect(response.headers['x-frame-options']).toBe('DENY')
    expect(response.headers['x-content-type-options']).toBe('nosniff')
    await reader.sent('retry: 3000\n\n')

    const app = harness?.app as FastifyInstance
    await exchange(app, gift, 'urn:worldmappers')
    const issued = await reader.next()
    expect(issued.event).toBe('exchange')
    expect(issued.id).toMatch(/^[0-9a-f]{24}$/)
    const data = JSON.parse(issued.data ?? '')
    expect(data).toMatchObject({
      log_id: issued.id,
      type: 'seccft',
      outcome: 'issued',
      client_id: gift.clientId,
      client_name: 'Gift Deliveries',
      audience: 'urn:worldmappers',
      scope: 'geocode:location reverse-geocode:location directions',
    })
    expect(Object.keys(data).sort()).toEqual(
      [
        'audience',
        'client_id',
        'client_name',
        'date',
        'description',
        'log_id',
        'outcome',
        'scope',
        'type',
      ].sort(),
    )

    await exchange(app, gift, 'urn:worldmappers', 'not:granted')
    const refused = JSON.parse((await reader.next()).data ?? '')
    expect(refused).toMatchObject({ type: 'feccft', outcome: 'refused', error: 'access_denied' })
    expect(reader.text()).not.toContain(gift.clientSecret)
    expect(reader.text()).not.toContain('127.0.0.1')
    response.body.destroy()
  })

  it('applies the filters: only the application, API and outcome asked for', async () => {
    await listen()
    const app = harness?.app as FastifyInstance
    const { reader } = await openStream('?client=storefront-dev&audience=&outcome=issued')
    await reader.sent('retry: 3000')
    await exchange(app, gift, 'urn:worldmappers')
    await exchange(app, storefront, 'urn:gift-deliveries', 'not:granted')
    await exchange(app, storefront, 'urn:gift-deliveries')
    const only = JSON.parse((await reader.next()).data ?? '')
    expect(only).toMatchObject({ client_id: 'storefront-dev', type: 'seccft' })
    await expect(reader.next(300)).rejects.toThrow('no event in time')
  })

  it('gives a reconnecting browser what it missed after its Last-Event-ID', async () => {
    await listen()
    const app = harness?.app as FastifyInstance
    const first = await openStream()
    await first.reader.sent('retry: 3000')
    await exchange(app, gift, 'urn:worldmappers')
    const seen = await first.reader.next()
    first.response.body.destroy()
    await exchange(app, storefront, 'urn:gift-deliveries')
    const again = await openStream('', { 'last-event-id': seen.id as string })
    const missed = JSON.parse((await again.reader.next()).data ?? '')
    expect(missed).toMatchObject({ client_id: 'storefront-dev' })
    again.response.body.destroy()
  })

  it('ends a stream once its session signs out, at the next event', async () => {
    await listen()
    const app = harness?.app as FastifyInstance
    const { reader } = await openStream()
    await reader.sent('retry: 3000')
    const session = harness?.sessions.find(cookie.split('=')[1])
    expect(session?.csrf).toMatch(/^[\w-]{43}$/)
    const out = await app.inject({
      method: 'POST',
      url: '/dashboard/logout',
      headers: { cookie },
      payload: { _csrf: session?.csrf },
    })
    expect(out.statusCode).toBe(303)
    await exchange(app, gift, 'urn:worldmappers')
    await reader.done
    expect(reader.ended()).toBe(true)
    expect(reader.text()).not.toContain('event: exchange')
  })

  it('lets app.close() return promptly with streams open, ending them', async () => {
    await listen()
    const streams = [await openStream(), await openStream('?outcome=refused')]
    for (const { reader } of streams) await reader.sent('retry: 3000')
    const started = performance.now()
    await harness?.app.close()
    harness = undefined
    expect(performance.now() - started).toBeLessThan(2_000)
    for (const { reader } of streams) {
      await reader.done
      expect(reader.ended()).toBe(true)
    }
  })

  it(`refuses a stream beyond ${LIVE_LOG_LIMITS.maxStreams} open at once with a 503, and has room again once one closes`, async () => {
    await listen()
    const open = []
    for (let i = 0; i < LIVE_LOG_LIMITS.maxStreams; i++) open.push(await openStream())
    for (const { response } of open) expect(response.statusCode).toBe(200)
    const refused = await request(`${base}/dashboard/logs/stream`, { headers: { cookie } })
    expect(refused.statusCode).toBe(503)
    expect(refused.headers['retry-after']).toBe('3')
    expect(await refused.body.text()).toContain('Too many live logs are open')
    open[0]?.response.body.destroy()
    let retried = 503
    for (let attempt = 0; attempt < 50 && retried === 503; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      const again = await request(`${base}/dashboard/logs/stream`, { headers: { cookie } })
      retried = again.statusCode
      again.body.destroy()
    }
    expect(retried).toBe(200)
  })

  it('sends a signed-out browser to sign in instead of streaming', async () => {
    await listen()
    const response = await request(`${base}/dashboard/logs/stream`)
    expect(response.statusCode).toBe(303)
    expect(response.headers.location).toMatch(/^\/dashboard\/login\?next=/)
    await response.body.dump()
  })
})

describe('createEventStreams', () => {
  it('sends a heartbeat comment while quiet, and ends every stream on closeAll', async () => {
    const streams = createEventStreams({
      maxStreams: 2,
      heartbeatMs: 20,
      retryMs: 3_000,
      maxBufferedBytes: 1024,
    })
    const closed: string[] = []
    const server = createServer((_request, response) => {
      streams.open(response, { 'x-test': 'yes' }, () => closed.push('closed'))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const response = await request(`http://127.0.0.1:${port}/`)
      expect(response.headers['x-test']).toBe('yes')
      const reader = sseReader(response.body)
      await reader.sent('retry: 3000\n\n: heartbeat\n\n: heartbeat\n\n')
      expect(streams.size).toBe(1)
      streams.closeAll()
      await reader.done
      expect(reader.ended()).toBe(true)
      await expect.poll(() => closed).toEqual(['closed'])
      expect(streams.size).toBe(0)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

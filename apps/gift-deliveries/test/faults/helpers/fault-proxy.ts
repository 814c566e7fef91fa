import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http'
import { freePort } from '@m2m/test-kit'

/** What the proxy does with one request. */
export type ProxyRule =
  | { kind: 'pass'; delayMs?: number }
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: unknown }

export interface ProxiedRequest {
  method: string
  path: string
  /** `URL.searchParams` of the request. */
  query: URLSearchParams
  /** Epoch ms when the request arrived. */
  at: number
  /** The status sent back; 0 when the connection was dropped (upstream unreachable). */
  status: number
}

/**
 * A pass-through HTTP proxy on a free loopback port, in front of one of the
 * real services, with a rule per request (pass, pass late, or answer itself)
 * and a log of every request it saw. When the upstream cannot be reached it
 * drops the client's connection, as the upstream being down would.
 */
export async function startFaultProxy(target: string) {
  const upstream = new URL(target)
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 256 })
  const log: ProxiedRequest[] = []
  let rule: (request: IncomingMessage, seen: number) => ProxyRule = () => ({ kind: 'pass' })
  let seen = 0
  let inFlight = 0
  let maxInFlight = 0

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy')
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      at: Date.now(),
      status: 0,
    }
    log.push(entry)
    const decided = rule(req, seen++)
    if (decided.kind === 'answer') {
      req.resume()
      entry.status = decided.status
      res.writeHead(decided.status, { 'content-type': 'application/json', ...decided.headers })
      res.end(JSON.stringify(decided.body ?? { error: 'injected_by_proxy' }))
      return
    }
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    res.once('close', () => inFlight--)
    let closed = false
    res.once('close', () => {
      closed = true
    })
    const forward = () => {
      // The client gave up while the request was held: nothing to pass on.
      if (closed) return
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          entry.status = answer.statusCode ?? 0
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      out.on('error', () => res.socket?.destroy())
      res.once('close', () => out.destroy())
      req.pipe(out)
    }
    if (decided.delayMs) setTimeout(forward, decided.delayMs)
    else forward()
  })
  server.keepAliveTimeout = 30_000
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    /** Decides each later request; `seen` counts every request since the proxy started. */
    setRule(next: (request: IncomingMessage, seen: number) => ProxyRule) {
      rule = next
    },
    /** The most requests it was passing on (or holding) at once since the last `resetMaxInFlight()`. */
    get maxInFlight() {
      return maxInFlight
    },
    get inFlight() {
      return inFlight
    },
    resetMaxInFlight() {
      maxInFlight = inFlight
    },
    pass() {
      rule = () => ({ kind: 'pass' })
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      agent.destroy()
    },
  }
}

export type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>

import type { IncomingMessage } from 'node:http'
import { startPassThroughProxy } from '../../helpers/pass-through-proxy.js'

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
  const log: ProxiedRequest[] = []
  let rule: (request: IncomingMessage, seen: number) => ProxyRule = () => ({ kind: 'pass' })
  let seen = 0
  let inFlight = 0
  let maxInFlight = 0

  const proxy = await startPassThroughProxy(target, 256, (req, res, passOn) => {
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
      const out = passOn(req, res, (answer) => {
        entry.status = answer.statusCode ?? 0
      })
      out.on('error', () => res.socket?.destroy())
      res.once('close', () => out.destroy())
    }
    if (decided.delayMs) setTimeout(forward, decided.delayMs)
    else forward()
  })
  return {
    url: proxy.url,
    port: proxy.port,
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
    close: proxy.close,
  }
}

export type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>

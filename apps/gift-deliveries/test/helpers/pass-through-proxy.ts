import {
  type ClientRequest,
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { freePort } from '@m2m/test-kit'

/**
 * Passes a request on to the upstream and pipes its answer back (`onAnswer`
 * sees the answer first); the caller decides what an upstream error means.
 */
export type PassOn = (
  req: IncomingMessage,
  res: ServerResponse,
  onAnswer?: (answer: IncomingMessage) => void,
) => ClientRequest

/**
 * An HTTP proxy on a free loopback port in front of `target`: `handle` sees
 * every request and passes it on with `passOn` (or answers it itself).
 * Upstream connections are kept alive, at most `maxSockets` of them.
 */
export async function startPassThroughProxy(
  target: string,
  maxSockets: number,
  handle: (req: IncomingMessage, res: ServerResponse, passOn: PassOn) => void,
) {
  const upstream = new URL(target)
  const agent = new HttpAgent({ keepAlive: true, maxSockets })
  const passOn: PassOn = (req, res, onAnswer) => {
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
        onAnswer?.(answer)
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    req.pipe(out)
    return out
  }
  const server = createServer((req, res) => handle(req, res, passOn))
  server.keepAliveTimeout = 30_000
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      agent.destroy()
    },
  }
}

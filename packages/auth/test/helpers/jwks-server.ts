import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A signing key pair with its public JWK, as an issuer would publish it. */
export interface TestKey {
  kid: string
  alg: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** The public key as SPKI PEM, e.g. to forge an HS256 token keyed with it. */
  publicPem: string
  jwk: JsonWebKey & { kid: string; alg: string; use: string }
}

/** Generates an RSA-2048 key (slow: generate a few once per file). */
export function generateRsaKey(kid: string, alg = 'RS256'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    kid,
    alg,
    privateKey,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' },
  }
}

/**
 * How the server answers the JWKS path: `up` serves the key list; `error` answers
 * 500; `reset` destroys the socket; `garbage` answers 200 with a body that is not
 * JSON; `no-keys` answers 200 with `{}`; `endless` streams a chunked body that
 * never ends, until the client hangs up.
 */
export type JwksMode = 'up' | 'error' | 'reset' | 'garbage' | 'no-keys' | 'endless'

export interface JwksServer {
  /** `http://127.0.0.1:<port>/`, so a verifier's default `jwksUri` lands here. */
  readonly issuer: string
  readonly jwksUri: string
  /** Requests to the JWKS path. */
  readonly hits: number
  /** Requests to any path. */
  readonly requests: number
  /** Replaces the published keys: test keys, raw JWK objects, or any junk to publish as is. */
  setKeys(...keys: unknown[]): void
  setMode(mode: JwksMode): void
  /** Holds every response (`headers`) or its body (`body`) this long; 0 answers at once. */
  setDelay(ms: number, phase?: 'headers' | 'body'): void
  /** Stops listening, so connections are refused, keeping the port for `start()`. */
  stop(): Promise<void>
  /** Listens again on the same port. */
  start(): Promise<void>
  close(): Promise<void>
}

/** A real JWKS endpoint on 127.0.0.1:0 serving a mutable key list. */
export async function startJwksServer(...initial: unknown[]): Promise<JwksServer> {
  let keys = initial.map(toJwk)
  let mode: JwksMode = 'up'
  let delayMs = 0
  let delayPhase: 'headers' | 'body' = 'headers'
  let hits = 0
  let requests = 0
  const timers = new Set<NodeJS.Timeout>()

  const later = (fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, delayMs)
    timers.add(timer)
  }

  const server: Server = createServer((req, res) => {
    requests++
    if (req.url !== '/.well-known/jwks.json') return send(res, 404, '{"error":"not_found"}')
    hits++
    if (mode === 'reset') return req.socket.destroy()
    if (mode === 'endless') return endless(res)
    const [status, body] =
      mode === 'error'
        ? [500, '{"error":"internal"}']
        : mode === 'garbage'
          ? [200, '<html>not json</html>']
          : mode === 'no-keys'
            ? [200, '{}']
            : [200, JSON.stringify({ keys })]
    if (delayMs === 0) return send(res, status, body)
    if (delayPhase === 'headers') return later(() => send(res, status, body))
    res.writeHead(status, { 'content-type': 'application/json' })
    res.flushHeaders()
    later(() => res.end(body))
  })

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      if (!server.listening) return resolve()
      server.close(() => resolve())
      server.closeAllConnections()
    })

  await listen(0)
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}/`

  return {
    issuer,
    jwksUri: `${issuer}.well-known/jwks.json`,
    get hits() {
      return hits
    },
    get requests() {
      return requests
    },
    setKeys(...next) {
      keys = next.map(toJwk)
    },
    setMode(next) {
      mode = next
    },
    setDelay(ms, phase = 'headers') {
      delayMs = ms
      delayPhase = phase
    },
    stop,
    start: () => listen(port),
    close: stop,
  }
}

function toJwk(key: unknown): unknown {
  return typeof key === 'object' && key !== null && 'privateKey' in key ? (key as TestKey).jwk : key
}

function endless(res: ServerResponse) {
  const chunk = Buffer.alloc(64 * 1024, ' ')
  res.writeHead(200, { 'content-type': 'application/json' })
  res.write('{"keys":[')
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) {}
    if (!res.destroyed) res.once('drain', pump)
  }
  pump()
}

function send(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body)
}

import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { Agent, type Dispatcher, fetch, interceptors, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type BearerInterceptorOptions,
  bearerError,
  createBearerInterceptor,
  parseChallenges,
} from '../src/http/index.js'
import type { AccessTokenSource } from '../src/token/types.js'

interface Seen {
  method: string
  path: string
  /** Every Authorization field line, as received. */
  authorization: string[]
  headers: IncomingHttpHeaders
  body: string
}

interface Reply {
  status: number
  headers?: Record<string, string | string[]>
  body?: string
}

type Responder = (seen: Seen, index: number) => Reply | Promise<Reply>

interface TestServer {
  origin: string
  port: number
  seen: Seen[]
  respond: Responder
  close(): Promise<void>
}

const servers: TestServer[] = []
const agents: Agent[] = []

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()))
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** A real HTTP server on 127.0.0.1:0 that records each request and answers with `respond`. */
async function startServer(): Promise<TestServer> {
  const state: TestServer = {
    origin: '',
    port: 0,
    seen: [],
    respond: () => ({ status: 200, body: 'ok' }),
    close: async () => {},
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      const authorization: string[] = []
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i]?.toLowerCase() === 'authorization') {
          authorization.push(req.rawHeaders[i + 1] ?? '')
        }
      }
      const seen: Seen = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      }
      const index = state.seen.push(seen) - 1
      const reply = await state.respond(seen, index)
      res.writeHead(reply.status, reply.headers ?? {})
      res.end(reply.body ?? '')
    })
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
  servers.push(state)
  return state
}

const invalidToken = 'Bearer realm="api", error="invalid_token", error_description="expired"'

/** 200 `hello` for `Bearer <token>`, else 401 invalid_token with a body that must never reach the caller. */
function acceptOnly(token: string): Responder {
  return (seen) =>
    seen.authorization.length === 1 && seen.authorization[0] === `Bearer ${token}`
      ? { status: 200, body: 'hello' }
      : {
          status: 401,
          headers: { 'www-authenticate': invalidToken, 'content-type': 'application/json' },
          body: JSON.stringify({ message: 'expired', pad: 'x'.repeat(100_000) }),
        }
}

/**
 * A token source like the real provider: `token-<n>`, and a compare-and-invalidate
 * that only moves to the next token when the invalidated one is current.
 */
function fakeSource() {
  let version = 1
  const calls = { getToken: 0, invalidate: [] as string[], refreshes: 0 }
  const source: AccessTokenSource & { calls: typeof calls } = {
    calls,
    async getToken() {
      calls.getToken++
      return `token-${version}`
    },
    async invalidate(token: string) {
      calls.invalidate.push(token)
      if (token === `token-${version}`) {
        version++
        calls.refreshes++
      }
    },
  }
  return source
}

function authorized(
  source: AccessTokenSource,
  options: BearerInterceptorOptions,
  ...more: Dispatcher.DispatcherComposeInterceptor[]
): Dispatcher {
  const agent = new Agent()
  agents.push(agent)
  return agent.compose(createBearerInterceptor(source, options), ...more)
}

async function get(
  url: string,
  dispatcher: Dispatcher,
  extra: Partial<Dispatcher.RequestOptions> = {},
): Promise<{ status: number; body: string }> {
  const res = await request(url, { dispatcher, ...extra } as Parameters<typeof request>[1])
  return { status: res.statusCode, body: await res.body.text() }
}

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('Authorization header', () => {
  const forms: Array<[string, Dispatcher.DispatchOptions['headers'] | undefined]> = [
    ['no headers', undefined],
    ['an object', { 'x-trace': 'abc' }],
    ['a flat array', ['x-trace', 'abc']],
    ['an array of pairs', [['x-trace', 'abc']] as unknown as string[]],
    ['a Map', new Map([['x-trace', 'abc']])],
  ]
  for (const [name, headers] of forms) {
    it(`is added to ${name}, other headers kept`, async () => {
      const server = await startServer()
      const source = fakeSource()
      const dispatcher = authorized(source, { origins: server.origin })
      const res = await get(`${server.origin}/x`, dispatcher, headers ? { headers } : {})
      expect(res).toEqual({ status: 200, body: 'ok' })
      expect(server.seen[0]?.authorization).toEqual(['Bearer token-1'])
      if (headers) expect(server.seen[0]?.headers['x-trace']).toBe('abc')
      expect(source.calls.getToken).toBe(1)
    })
  }

  const existing: Array<[string, Dispatcher.DispatchOptions['headers']]> = [
    ['an object', { Authorization: 'Bearer stale', 'x-trace': 'abc' }],
    ['an object with two spellings', { authorization: 'Basic YTpi', AUTHORIZATION: 'x' }],
    ['a flat array', ['Authorization', 'Bearer stale', 'x-trace', 'abc']],
    ['an array of pairs', [['authorization', 'Bearer stale']] as unknown as string[]],
  ]
  for (const [name, headers] of existing) {
    it(`replaces an existing authorization header in ${name}`, async () => {
      const server = await startServer()
      const dispatcher = authorized(fakeSource(), { origins: server.origin })
      expect((await get(`${server.origin}/x`, dispatcher, { headers })).status).toBe(200)
      expect(server.seen[0]?.authorization).toEqual(['Bearer token-1'])
    })
  }

  it('works with undici.fetch', async () => {
    const server = await startServer()
    const dispatcher = authorized(fakeSource(), { origins: server.origin })
    const res = await fetch(`${server.origin}/x`, {
      dispatcher,
      headers: { Authorization: 'Bearer stale', 'x-trace': 'abc' },
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('ok')
    expect(server.seen[0]?.authorization).toEqual(['Bearer token-1'])
    expect(server.seen[0]?.headers['x-trace']).toBe('abc')
  })

  it('works with a legacy onConnect/onHeaders handler on dispatch()', async () => {
    const server = await startServer()
    server.respond = acceptOnly('token-2')
    const dispatcher = authorized(fakeSource(), { origins: server.origin })
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const chunks: Buffer[] = []
      let status = 0
      dispatcher.dispatch(
        { origin: server.origin, path: '/x', method: 'GET' },
        {
          onConnect() {},
          onHeaders(statusCode) {
            status = statusCode
            return true
          },
          onData(chunk) {
            chunks.push(chunk)
            return true
          },
          onComplete() {
            resolve({ status, body: Buffer.concat(chunks).toString() })
          },
          onError: reject,
        },
      )
    })
    expect(result).toEqual({ status: 200, body: 'hello' })
  })
})

describe('401 invalid_token', () => {
  it('invalidates the sent token and replays once with a fresh one (request)', async () => {
    const server = await startServer()
    server.respond = acceptOnly('token-2')
    const source = fakeSource()
    const dispatcher = authorized(source, { origins: server.origin })
    expect(await get(`${server.origin}/x`, dispatcher)).toEqual({ status: 200, body: 'hello' })
    expect(source.calls.invalidate).toEqual(['token-1'])
    expect(server.seen.map((s) => s.authorization)).toEqual([
      ['Bearer token-1'],
      ['Bearer token-2'],
    ])
  })

  it('invalidates and replays a GET made with undici.fetch', async () => {
    const server = await startServer()
    server.respond = acceptOnly('token-2')
    const source = fakeSource()
    const dispatcher = authorized(source, { origins: server.origin })
    const res = await fetch(`${server.origin}/x`, { dispatcher })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('hello')
    expect(source.calls.invalidate).toEqual(['token-1'])
    expect(server.seen).toHaveLength(2)
  })

  const bodies: Array<[string, string | Uint8Array]> = [
    ['a string', 'payload=1'],
    ['a Buffer', Buffer.from('payload=2')],
    ['a Uint8Array', new TextEncoder().encode('payload=3')],
  ]
  for (const [name, body] of bodies) {
    it(`replays a POST with ${name} body, sending the same body`, async () => {
      const server = await startServer()
      server.respond = acceptOnly('token-2')
      const dispatcher = authorized(fakeSource(), { origins: server.origin })
      const res = await get(`${server.origin}/x`, dispatcher, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain' },
      })
      expect(res).toEqual({ status: 200, body: 'hello' })
      const expected = Buffer.from(body).toString()
      expect(server.seen.map((s) => [s.method, s.body])).toEqual([
        ['POST', expected],
        ['POST', expected],
      ])
    })
  }

  it('passes a second 401 through unchanged, with no third attempt', async () => {
    const server = await startServer()
    server.respond = (_seen, index) => ({
      status: 401,
      headers: { 'www-authenticate': invalidToken },
      body: `rejected-${index + 1}`,
    })
    const source = fakeSource()
    const dispatcher = authorized(source, { origins: server.origin })
    expect(await get(`${server.origin}/x`, dispatcher)).toEqual({ status: 401, body: 'rejected-2' })
    expect(server.seen).toHaveLength(2)
    // The fresh token is not invalidated: a server that rejects every token cannot cause a refresh loop.
    expect(source.calls.invalidate).toEqual(['token-1'])
    expect(source.calls.refreshes).toBe(1)
  })

  it('does not replay a streamed body: the caller gets the 401, the token is still invalidated', async () => {
    const server = await startServer()
    server.respond = (_seen, index) => ({
      status: 401,
      headers: { 'www-authenticate': invalidToken },
      body: `rejected-${index + 1}`,
    })
    const source = fakeSource()
    const dispatcher = authorized(source, { origins: server.origin })
    const res = await get(`${server.origin}/x`, dispatcher, {
      method: 'PUT',
      body: Readable.from(['chunk-1', 'chunk-2']),
    })
    expect(res).toEqual({ status: 401, body: 'rejected-1' })
    expect(server.seen.map((s) => s.body)).toEqual(['chunk-1chunk-2'])
    expect(source.calls.invalidate).toEqual(['token-1'])
  })

  it('does not replay a fetch() body, which undici always streams', async () => {
    const server = await startServer()
    server.respond = acceptOnly('token-2')
    const source = fakeSource()
    const dispatcher = authorized(source, { origins: server.origin })
    const res = await fetch(`${server.origin}/x`, { dispatcher, method: 'POST', body: 'payload' })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(invalidToken)
    await res.arrayBuffer()
    expect(server.seen).toHaveLength(1)
    expect(source.calls.invalidate).toEqual(['token-1'])
  })

  const challenges: Array<[string, number, string | string[] | undefined, boolean]> = [
    ['a Bearer challenge with error="invalid_token"', 401, 'Bearer error="invalid_token"', true],
    ['a lower-case scheme and a token value', 401, 'bearer error=invalid_token', true],
    ['an upper-case parameter name', 401, 'BEARER ERROR="invalid_token"', true],
    ['Bearer after a Basic challenge', 401, 'Basic realm="x", Bearer error="invalid_token"', true],
    [
      'Bearer on its own field line',
      401,
      ['Basic realm="x"', 'Bearer error="invalid_token"'],
      true,
    ],
    [
      'a quoted description holding commas and quotes',
      401,
      'Bearer error_description="a, b=\\"c\\"", error="invalid_token"',
      true,
    ],
    ['no WWW-Authenticate', 401, undefined, false],
    ['a Bearer challenge with no error (no token sent yet)', 401, 'Bearer realm="api"', false],
    ['error="insufficient_scope"', 401, 'Bearer error="insufficient_scope"', false],
    ['invalid_token in another parameter', 401, 'Bearer error_description="invalid_token"', false],
    ['invalid_token on a Basic challenge', 401, 'Basic realm="x", error="invalid_token"', false],
    ['a 403 saying invalid_token', 403, 'Bearer error="invalid_token"', false],
  ]
  for (const [name, status, header, replays] of challenges) {
    it(`${replays ? 'replays' : 'does not replay'} on ${status} with ${name}`, async () => {
      const server = await startServer()
      const denied: Reply = { status, headers: {}, body: 'denied' }
      if (header !== undefined) denied.headers = { 'www-authenticate': header }
      server.respond = (seen) =>
        seen.authorization[0] === 'Bearer token-2' ? { status: 200, body: 'hello' } : denied
      const source = fakeSource()
      const dispatcher = authorized(source, { origins: server.origin })
      const res = await get(`${server.origin}/x`, dispatcher)
      if (replays) {
        expect(res).toEqual({ status: 200, body: 'hello' })
        expect(source.calls.invalidate).toEqual(['token-1'])
        expect(server.seen).toHaveLength(2)
      } else {
        expect(res).toEqual({ status, body: 'denied' })
        expect(source.calls.invalidate).toEqual([])
        expect(server.seen).toHaveLength(1)
      }
    })
  }

  it('50 concurrent 401s for one token: each invalidates exactly that token, one refresh', async () => {
    const server = await startServer()
    const count = 50
    const held: Array<() => void> = []
    const allArrived = deferred<void>()
    server.respond = async (seen) => {
      if (seen.authorization[0] === 'Bearer token-1') {
        // Hold every first attempt until all have arrived, so all 50 carried token-1.
        const release = deferred<void>()
        held.push(release.resolve)
        if (held.length === count) allArrived.resolve()
        await release.promise
      }
      return acceptOnly('token-2')(seen, 0)
    }
    void allArrived.promise.then(() => {
      for (const release of held) release()
    })
    const source = fakeSource()
    const dispatcher = authorized(source, { origins: server.origin })
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => get(`${server.origin}/item/${i}`, dispatcher)),
    )
    expect(results.every((r) => r.status === 200 && r.body === 'hello')).toBe(true)
    expect(source.calls.invalidate).toHaveLength(count)
    expect(new Set(source.calls.invalidate)).toEqual(new Set(['token-1']))
    expect(source.calls.refreshes).toBe(1)
    const replays = server.seen.filter((s) => s.authorization[0] === 'Bearer token-2')
    expect(replays.map((s) => s.path).sort()).toEqual(
      Array.from({ length: count }, (_, i) => `/item/${i}`).sort(),
    )
  })
})

describe('token source failures', () => {
  it('rejects with the getToken error and sends nothing (request)', async () => {
    const server = await startServer()
    const failure = new Error('token endpoint down')
    const source = fakeSource()
    source.getToken = async () => {
      throw failure
    }
    const dispatcher = authorized(source, { origins: server.origin })
    await expect(request(`${server.origin}/x`, { dispatcher })).rejects.toBe(failure)
    expect(server.seen).toHaveLength(0)
  })

  it('rejects with the getToken error as the cause and sends nothing (fetch)', async () => {
    const server = await startServer()
    const failure = new Error('token endpoint down')
    const source = fakeSource()
    source.getToken = () => {
      throw failure // even a synchronous throw
    }
    const dispatcher = authorized(source, { origins: server.origin })
    const error = await fetch(`${server.origin}/x`, { dispatcher }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(error).toBeInstanceOf(TypeError)
    expect(error?.cause).toBe(failure)
    expect(server.seen).toHaveLength(0)
  })

  it('rejects with the error when the refresh before a replay fails', async () => {
    const server = await startServer()
    server.respond = acceptOnly('token-2')
    const failure = new Error('refresh failed')
    const source = fakeSource()
    const getToken = source.getToken
    source.getToken = async () => {
      if (source.calls.invalidate.length > 0) throw failure
      return getToken()
    }
    const dispatcher = authorized(source, { origins: server.origin })
    await expect(request(`${server.origin}/x`, { dispatcher })).rejects.toBe(failure)
    expect(server.seen).toHaveLength(1)
  })

  it('rejects with the error when invalidate fails', async () => {
    const server = await startServer()
    server.respond = acceptOnly('token-2')
    const failure = new Error('cache unavailable')
    const source = fakeSource()
    source.invalidate = async () => {
      throw failure
    }
    const dispatcher = authorized(source, { origins: server.origin })
    await expect(request(`${server.origin}/x`, { dispatcher })).rejects.toBe(failure)
    expect(server.seen).toHaveLength(1)
  })

  const unusable: Array<[string, unknown, string]> = [
    ['a token with a header injection', 'secret-abc\r\nX-Evil: 1', 'b64token'],
    ['a token with a space', 'secret-abc def', 'b64token'],
    ['an empty token', '', 'empty'],
    ['a non-string', 42, 'not a string'],
  ]
  for (const [name, token, reason] of unusable) {
    it(`refuses ${name} without putting it in the message`, async () => {
      const server = await startServer()
      const source = fakeSource()
      source.getToken = async () => token as string
      const dispatcher = authorized(source, { origins: server.origin })
      const error = (await request(`${server.origin}/x`, { dispatcher }).catch((e) => e)) as {
        code: string
        message: string
        statusCode: number
      }
      expect(error.code).toBe('AUTH_ERR_UNUSABLE_ACCESS_TOKEN')
      expect(error.statusCode).toBe(500)
      expect(error.message).toContain(reason)
      if (typeof token === 'string' && token !== '') {
        expect(error.message).not.toContain('secret-abc')
      }
      expect(server.seen).toHaveLength(0)
    })
  }

  it('honours an abort while the token is awaited, and never sends the request', async () => {
    const server = await startServer()
    const pending = deferred<string>()
    const source = fakeSource()
    source.getToken = () => pending.promise
    const dispatcher = authorized(source, { origins: server.origin })
    const controller = new AbortController()
    const reason = new Error('caller gave up')
    const result = request(`${server.origin}/x`, { dispatcher, signal: controller.signal })
    controller.abort(reason)
    await expect(result).rejects.toBe(reason)
    pending.resolve('token-1')
    await delay(50)
    expect(server.seen).toHaveLength(0)
  })

  it('honours a fetch abort while the token is awaited', async () => {
    const server = await startServer()
    const pending = deferred<string>()
    const source = fakeSource()
    source.getToken = () => pending.promise
    const dispatcher = authorized(source, { origins: server.origin })
    const controller = new AbortController()
    const result = fetch(`${server.origin}/x`, { dispatcher, signal: controller.signal })
    controller.abort()
    await expect(result).rejects.toMatchObject({ name: 'AbortError' })
    pending.resolve('token-1')
    await delay(50)
    expect(server.seen).toHaveLength(0)
  })
})

describe('origin policy', () => {
  it('sends no token, and asks for none, for an origin not allowed', async () => {
    const allowed = await startServer()
    const other = await startServer()
    const source = fakeSource()
    const dispatcher = authorized(source, { origins: [allowed.origin] })
    expect((await get(`${other.origin}/x`, dispatcher)).status).toBe(200)
    expect(other.seen[0]?.authorization).toEqual([])
    expect(source.calls.getToken).toBe(0)
    await get(`${allowed.origin}/x`, dispatcher)
    expect(allowed.seen[0]?.authorization).toEqual(['Bearer token-1'])
  })

  it('treats another host name for the same server as another origin', async () => {
    const server = await startServer()
    const dispatcher = authorized(fakeSource(), { origins: `http://127.0.0.1:${server.port}/` })
    await get(`http://localhost:${server.port}/x`, dispatcher)
    await get(`http://127.0.0.1:${server.port}/x`, dispatcher)
    expect(server.seen.map((s) => s.authorization)).toEqual([[], ['Bearer token-1']])
  })

  it('leaves an unauthorized request untouched, its own Authorization included', async () => {
    const other = await startServer()
    const allowed = await startServer()
    const dispatcher = authorized(fakeSource(), { origins: allowed.origin })
    await get(`${other.origin}/x`, dispatcher, { headers: { authorization: 'Basic YTpi' } })
    expect(other.seen[0]?.authorization).toEqual(['Basic YTpi'])
  })

  it('asks shouldAuthorize per request', async () => {
    const server = await startServer()
    const dispatcher = authorized(fakeSource(), {
      shouldAuthorize: (opts) => opts.path.startsWith('/api/'),
    })
    await get(`${server.origin}/api/me`, dispatcher)
    await get(`${server.origin}/public`, dispatcher)
    expect(server.seen.map((s) => s.authorization)).toEqual([['Bearer token-1'], []])
  })

  it('needs both origins and shouldAuthorize to agree when both are given', async () => {
    const allowed = await startServer()
    const other = await startServer()
    const dispatcher = authorized(fakeSource(), {
      origins: allowed.origin,
      shouldAuthorize: (opts) => opts.method === 'GET',
    })
    await get(`${allowed.origin}/x`, dispatcher)
    await get(`${allowed.origin}/x`, dispatcher, { method: 'DELETE' })
    await get(`${other.origin}/x`, dispatcher)
    expect(allowed.seen.map((s) => s.authorization)).toEqual([['Bearer token-1'], []])
    expect(other.seen[0]?.authorization).toEqual([])
  })

  for (const order of ['outside', 'inside'] as const) {
    it(`does not carry the token across a cross-origin redirect (redirect ${order} the interceptor)`, async () => {
      const target = await startServer()
      const api = await startServer()
      api.respond = () => ({ status: 302, headers: { location: `${target.origin}/landing` } })
      const source = fakeSource()
      const redirect = interceptors.redirect({ maxRedirections: 2 })
      const agent = new Agent()
      agents.push(agent)
      const bearer = createBearerInterceptor(source, { origins: api.origin })
      const dispatcher =
        order === 'outside' ? agent.compose(bearer, redirect) : agent.compose(redirect, bearer)
      expect(await get(`${api.origin}/start`, dispatcher)).toEqual({ status: 200, body: 'ok' })
      expect(api.seen[0]?.authorization).toEqual(['Bearer token-1'])
      expect(target.seen[0]?.path).toBe('/landing')
      expect(target.seen[0]?.authorization).toEqual([])
    })
  }

  const invalid: Array<[string, unknown, RegExp]> = [
    ['no options', undefined, /origins or shouldAuthorize is required/],
    ['neither option', {}, /origins or shouldAuthorize is required/],
    ['an empty origins list', { origins: [] }, /non-empty list/],
    ['an origin that is not a URL', { origins: 'api.example.com' }, /is not a URL/],
    ['a non-http origin', { origins: 'ftp://files.example.com' }, /not an http\(s\) origin/],
    ['an origin with a path', { origins: 'https://api.example.com/v1' }, /no path or query/],
    ['an origin with credentials', { origins: 'https://u:p@api.example.com' }, /no path/],
    ['a shouldAuthorize that is not a function', { shouldAuthorize: true }, /must be a function/],
  ]
  for (const [name, options, message] of invalid) {
    it(`rejects ${name}`, () => {
      const create = () =>
        createBearerInterceptor(fakeSource(), options as BearerInterceptorOptions)
      expect(create).toThrow(message)
      expect(create).toThrow(expect.objectContaining({ code: 'AUTH_ERR_INVALID_OPTION' }))
    })
  }

  it('rejects a source without getToken/invalidate', () => {
    expect(() =>
      createBearerInterceptor({} as AccessTokenSource, { origins: 'https://api.example.com' }),
    ).toThrow(expect.objectContaining({ code: 'AUTH_ERR_INVALID_OPTION' }))
  })
})

describe('WWW-Authenticate parsing', () => {
  it('reads every challenge and its parameters', () => {
    const challenges = parseChallenges(
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Bearer abc==',
    )
    expect(challenges.map((c) => [c.scheme, Object.fromEntries(c.params)])).toEqual([
      ['Newauth', { realm: 'apps', type: '1', title: 'Login to "apps"' }],
      ['Basic', { realm: 'simple' }],
      ['Bearer', {}],
    ])
  })

  const cases: Array<[string | string[] | undefined, string | undefined]> = [
    ['Bearer error="invalid_token"', 'invalid_token'],
    ['Basic realm="a", Bearer error="insufficient_scope", scope="read"', 'insufficient_scope'],
    [['Basic realm="a"', 'Bearer error=invalid_request'], 'invalid_request'],
    ['Basic error="invalid_token"', undefined],
    ['Bearer realm="unterminated, error="invalid_token', undefined],
    ['"garbage', undefined],
    [undefined, undefined],
  ]
  for (const [header, expected] of cases) {
    it(`finds ${String(expected)} in ${JSON.stringify(header)}`, () => {
      expect(bearerError(header)).toBe(expected)
    })
  }
})

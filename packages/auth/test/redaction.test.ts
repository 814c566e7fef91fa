import { Writable } from 'node:stream'
import { expect, it } from 'vitest'
import { createServiceLogger, credentialRedactPaths } from '../src/index.js'

function capture() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { logger: createServiceLogger({ destination }), text: () => lines.join('') }
}

const secrets: Array<[string, Record<string, unknown>]> = [
  ['a top-level client_secret', { client_secret: 'S-top' }],
  ['an authorization header', { upstream: { headers: { authorization: 'Bearer S-header' } } }],
  [
    'a body field',
    { incoming: { body: { client_secret: 'S-body', access_token: 'S-body-token' } } },
  ],
  ['a nested request header', { request: { headers: { authorization: 'S-request' } } }],
  ['an error config header', { err: { config: { headers: { Authorization: 'S-axios' } } } }],
  ['a token field', { response: { token: 'S-token', accessToken: 'S-camel' } }],
  ['a proxy authorization', { headers: { 'proxy-authorization': 'S-proxy' } }],
  ['a set-cookie', { reply: { headers: { 'set-cookie': 'S-cookie' } } }],
  ['a password', { user: { password: 'S-password' } }],
]
for (const [name, fields] of secrets) {
  it(`redacts ${name}`, () => {
    const { logger, text } = capture()
    logger.info({ ...fields, client_id: 'visible-id' }, 'event')
    expect(text()).not.toMatch(/S-[a-z-]+/)
    expect(text()).toContain('[redacted]')
    expect(text()).toContain('visible-id')
  })
}

it('exports the paths for loggers built elsewhere', () => {
  expect(credentialRedactPaths).toContain('*.*.client_secret')
  expect(credentialRedactPaths).toContain('*.*["set-cookie"]')
})

it('keeps query strings (and so query tokens) out of Fastify request logs', async () => {
  const { default: Fastify } = await import('fastify')
  const { logger, text } = capture()
  const app = Fastify({ loggerInstance: logger })
  app.get('/api/me', async () => ({ ok: true }))
  await app.inject({
    url: '/api/me?access_token=eyJ.query-token.sig&x=1',
    headers: { authorization: 'Bearer header-token' },
  })
  await app.close()
  expect(text()).toContain('"url":"/api/me?[redacted]"')
  expect(text()).toContain('"res":{"statusCode":200}')
  expect(text()).not.toContain('query-token')
  expect(text()).not.toContain('header-token')
})

// Regression: the wildcard redaction paths made pino throw on Buffers, and Fastify
// logs the rawPacket Buffer of every client error (a 431): the throw escaped Node's
// clientError handler, the socket hung and the error went uncaught.
it('logs Buffers (an err.rawPacket, nested ones) as a size note instead of throwing', async () => {
  const { logger, text } = capture()
  const rawPacket = Buffer.from('GET / HTTP/1.1')
  logger.info({ err: Object.assign(new Error('Header overflow'), { rawPacket }) }, 'client error')
  logger.info({ body: { file: Buffer.alloc(3) }, raw: new Uint8Array(2) }, 'binary')
  expect(text()).toContain('"rawPacket":"[binary 14 bytes]"')
  expect(text()).toContain('"file":"[binary 3 bytes]"')
  expect(text()).toContain('"raw":"[binary 2 bytes]"')
})

it('answers a 431 to an oversized header block with the service logger (no hang)', async () => {
  const { default: Fastify } = await import('fastify')
  const { request } = await import('undici')
  const { logger, text } = capture()
  logger.level = 'trace' // Fastify logs client errors at trace
  const app = Fastify({ loggerInstance: logger })
  app.get('/', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const res = await request(`http://127.0.0.1:${port}/`, {
    headers: { 'x-big': 'x'.repeat(100_000) },
  })
  expect(res.statusCode).toBe(431)
  await res.body.dump()
  await app.close()
  expect(text()).toContain('[binary')
})

import { Writable } from 'node:stream'
import pino from 'pino'
import { expect, it } from 'vitest'
import { credentialRedactPaths } from '../src/index.js'

it('keeps authorization headers, client secrets and tokens out of pino logs', () => {
  let output = ''
  const log = pino(
    { redact: { paths: [...credentialRedactPaths], censor: '[redacted]' } },
    new Writable({
      write(chunk, _encoding, done) {
        output += String(chunk)
        done()
      },
    }),
  )
  log.info({ req: { headers: { authorization: 'Bearer eyJ.secret-token.sig' } } }, 'request')
  log.info({ body: { client_secret: 's3cret', client_id: 'visible-id' } }, 'exchange')
  log.info({ access_token: 'eyJ.another.sig', token: 'raw-token' }, 'response')
  expect(output).not.toMatch(/secret-token|s3cret|another|raw-token/)
  expect(output).toContain('visible-id')
  expect(output.match(/\[redacted\]/g)).toHaveLength(4)
})

it('keeps query strings (and so query tokens) out of Fastify request logs', async () => {
  const { default: Fastify } = await import('fastify')
  const { requestLogSerializer } = await import('../src/index.js')
  let output = ''
  const app = Fastify({
    logger: {
      level: 'info',
      serializers: { req: requestLogSerializer },
      stream: {
        write(line: string) {
          output += line
        },
      },
    },
  })
  app.get('/api/me', async () => ({ ok: true }))
  await app.inject({ url: '/api/me?access_token=eyJ.query-token.sig&x=1' })
  await app.close()
  expect(output).toContain('"url":"/api/me?[redacted]"')
  expect(output).not.toContain('query-token')
})

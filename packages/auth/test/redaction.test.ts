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

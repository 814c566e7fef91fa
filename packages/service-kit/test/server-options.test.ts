import { createServiceLogger } from '@m2m/auth'
import Fastify from 'fastify'
import { afterEach, expect, it, vi } from 'vitest'
import { serviceServerOptions } from '../src/index.js'

afterEach(() => {
  vi.restoreAllMocks()
})

/** The messages a service at `level` logs for one request. */
async function requestLines(level: string): Promise<string[]> {
  const lines: string[] = []
  const destination = { write: (line: string) => lines.push(JSON.parse(line).msg as string) }
  const app = Fastify(serviceServerOptions(createServiceLogger({ level, destination })))
  app.get('/thing', async () => ({ ok: true }))
  expect((await app.inject('/thing')).statusCode).toBe(200)
  await app.close()
  return lines
}

it('pays nothing per request for log lines the level drops', async () => {
  const logger = createServiceLogger({ level: 'warn' })
  const child = vi.spyOn(logger, 'child')
  const options = serviceServerOptions(logger)
  expect(options).toMatchObject({ return503OnClosing: true })
  // Fastify's own child factory: a custom one's child is checked on every request.
  expect(options).not.toHaveProperty('childLoggerFactory')
  const app = Fastify(options)
  app.get('/thing', async () => ({ ok: true }))
  await app.ready()
  child.mockClear() // Fastify makes its own logger at start-up
  for (let i = 0; i < 3; i++) expect((await app.inject('/thing')).statusCode).toBe(200)
  expect(child).not.toHaveBeenCalled()
  await app.close()
  expect(serviceServerOptions(undefined)).toEqual({ logger: false, return503OnClosing: true })
})

it('logs each request at info and none at warn, with no deprecation warning from Fastify', async () => {
  const warnings = vi.spyOn(process, 'emitWarning')
  expect(await requestLines('info')).toEqual(['incoming request', 'request completed'])
  expect(await requestLines('warn')).toEqual([])
  expect(warnings.mock.calls.map(([warning]) => String(warning))).toEqual([])
})

import { captureLogLines } from '@m2m/test-kit'
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions, LogController } from 'fastify'
import { describe, expect, it, vi } from 'vitest'
import {
  createServiceLogger,
  deferredChildLoggerFactory,
  withDeferredChildren,
} from '../src/index.js'

// request.log is made only when something is written through it: the lines,
// their reqId and their redaction must be those of pino's own child.

function capture(level: string) {
  const { destination, lines } = captureLogLines()
  const logger = createServiceLogger({ level, destination })
  const child = vi.spyOn(logger, 'child')
  return { logger, lines, child }
}

/** The two ways to give Fastify deferred request loggers. */
const WAYS: ReadonlyArray<[string, (logger: FastifyBaseLogger) => FastifyServerOptions]> = [
  [
    'childLoggerFactory: deferredChildLoggerFactory',
    (logger) => ({ loggerInstance: logger, childLoggerFactory: deferredChildLoggerFactory }),
  ],
  [
    'loggerInstance: withDeferredChildren(logger)',
    (logger) => ({ loggerInstance: withDeferredChildren(logger) }),
  ],
]

describe.each(WAYS)('deferred request logger, %s', (_way, optionsFor) => {
  async function appWith(level: string) {
    const { logger, lines, child } = capture(level)
    const app = Fastify(optionsFor(logger))
    app.get('/quiet', async () => ({ ok: true }))
    app.get('/warns', async (request) => {
      request.log.info('not at warn')
      request.log.warn(
        { client_secret: 'hunter2', headers: { authorization: 'Bearer abc' } },
        'something odd',
      )
      return { ok: true }
    })
    app.get('/debug-route', { logLevel: 'debug' }, async (request) => {
      request.log.debug('route at debug')
      return { ok: true }
    })
    app.get('/nested', async (request) => {
      request.log.child({ part: 'inner' }).error('from a child of the request logger')
      return {
        level: request.log.level,
        warnEnabled: (
          request.log as unknown as { isLevelEnabled(l: string): boolean }
        ).isLevelEnabled('warn'),
      }
    })
    await app.ready()
    child.mockClear() // Fastify makes one child of its own at start-up
    return { app, lines, child }
  }

  it('makes no child logger for a request that logs nothing at the enabled levels', async () => {
    const { app, lines, child } = await appWith('warn')
    for (let i = 0; i < 5; i++) expect((await app.inject('/quiet')).statusCode).toBe(200)
    expect(child).not.toHaveBeenCalled()
    expect(lines).toEqual([])
    await app.close()
  })

  it('writes through the real child: reqId bound, credentials redacted, lower levels dropped', async () => {
    const { app, lines, child } = await appWith('warn')
    expect((await app.inject('/warns')).statusCode).toBe(200)
    expect(child).toHaveBeenCalledTimes(1)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'something odd',
      reqId: expect.any(String),
      client_secret: '[redacted]',
      headers: { authorization: '[redacted]' },
    })
    await app.close()
  })

  it('honours a per-route log level', async () => {
    const { app, lines } = await appWith('warn')
    await app.inject('/debug-route')
    expect(lines.map((l) => l.msg)).toContain('route at debug')
    await app.close()
  })

  it('gives children of request.log both bindings, and answers level questions', async () => {
    const { app, lines } = await appWith('warn')
    const res = await app.inject('/nested')
    expect(res.json()).toEqual({ level: 'warn', warnEnabled: true })
    expect(lines).toEqual([
      expect.objectContaining({ reqId: expect.any(String), part: 'inner', level: 50 }),
    ])
    await app.close()
  })

  it('logs each request at info with one reqId per request, as pino children do', async () => {
    const { app, lines } = await appWith('info')
    await app.inject('/quiet')
    await app.inject('/quiet')
    const ids = [...new Set(lines.map((l) => l.reqId))]
    expect(ids).toHaveLength(2)
    for (const id of ids) {
      expect(lines.filter((l) => l.reqId === id).map((l) => l.msg)).toEqual([
        'incoming request',
        'request completed',
      ])
    }
    await app.close()
  })

  it("answers the rest of pino's API through the real child: its bindings, a new level", async () => {
    const { destination, lines } = captureLogLines()
    const logger = createServiceLogger({ level: 'info', destination })
    const app = Fastify({
      ...optionsFor(logger),
      logController: new LogController({ disableRequestLogging: true }),
    })
    app.get('/api', async (request) => {
      const log = request.log as unknown as {
        bindings(): Record<string, unknown>
        level: string
        flush?: unknown
        debug(msg: string): void
      }
      const before = { hasInfo: 'info' in log, hasBindings: 'bindings' in log }
      const bindings = log.bindings()
      log.debug('dropped at info')
      log.level = 'debug'
      log.debug('written once the request logger is at debug')
      return { ...before, bindings, level: log.level, flush: typeof log.flush }
    })
    const answer = await app.inject('/api')
    await app.close()

    expect(answer.json()).toEqual({
      hasInfo: true,
      hasBindings: true,
      bindings: { reqId: expect.any(String) },
      level: 'debug',
      flush: 'function',
    })
    expect(lines).toEqual([
      expect.objectContaining({ level: 20, msg: 'written once the request logger is at debug' }),
    ])
    // The parent logger keeps its level.
    expect(logger.level).toBe('info')
  })

  it("gives request loggers the parent's custom levels", async () => {
    const { destination, lines } = captureLogLines()
    const base = createServiceLogger({ level: 'info', destination })
    const logger = base.child({}, { customLevels: { audit: 35 } })
    const app = Fastify({
      ...optionsFor(logger),
      logController: new LogController({ disableRequestLogging: true }),
    })
    app.get('/audited', async (request) => {
      ;(request.log as unknown as { audit(msg: string): void }).audit('an audit line')
      return {}
    })
    await app.inject('/audited')
    await app.close()
    expect(lines).toEqual([expect.objectContaining({ level: 35, msg: 'an audit line' })])
  })
})

describe('withDeferredChildren', () => {
  it("leaves the logger as it was: its own children are pino's, made at once", () => {
    const { logger, child } = capture('warn')
    const deferring = withDeferredChildren(logger)
    const own = logger.child({ part: 'own' })
    expect(child).toHaveBeenCalledTimes(1)
    expect(Object.getPrototypeOf(own)).toBe(logger)
    deferring.child({ part: 'deferred' })
    expect(child).toHaveBeenCalledTimes(1)
  })

  it("writes the logger's lines, redacted, and its children's with their bindings", () => {
    const { logger, lines, child } = capture('warn')
    const deferring = withDeferredChildren(logger)
    deferring.warn({ client_secret: 'hunter2' }, 'from the logger')
    deferring.child({ job: 'sync' }).info('dropped at warn')
    expect(child).not.toHaveBeenCalled()
    deferring.child({ job: 'sync' }).child({ step: 2 }).error('from a grandchild')
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'from the logger', client_secret: '[redacted]' }),
      expect.objectContaining({ level: 50, msg: 'from a grandchild', job: 'sync', step: 2 }),
    ])
  })

  it("is made for Fastify's own child factory: request loggers come from its `child`, unchecked", async () => {
    const { logger, lines } = capture('warn')
    const deferring = withDeferredChildren(logger)
    // Fastify's default factory is `logger.child(bindings, options)` on its app logger,
    // a child of the one given: a custom factory would be called instead (and its child checked).
    const made = vi.spyOn(deferring, 'child')
    const app = Fastify({ loggerInstance: deferring })
    app.get('/warns', async (request) => {
      request.log.warn('from the request')
      return {}
    })
    await app.ready()
    made.mockClear() // Fastify's app logger, made at start-up
    await app.inject('/warns')
    await app.inject('/warns')
    await app.close()
    expect(made).toHaveBeenCalledTimes(2)
    expect(made.mock.calls.map(([bindings]) => Object.keys(bindings))).toEqual([
      ['reqId'],
      ['reqId'],
    ])
    const ids = lines.map((line) => line.reqId)
    expect(ids).toEqual([expect.any(String), expect.any(String)])
    expect(ids[0]).not.toBe(ids[1])
  })
})

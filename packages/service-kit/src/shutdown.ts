import type { Server } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { ConfigError } from './env.js'

interface ShutdownLogger {
  info(obj: object, msg?: string): void
}

/** The servers `listenOrExit` started in this process, for `exitGracefully`. */
const listening = new Set<Server>()

/**
 * Closes the servers' idle connections every `everyMs` until stopped, for
 * while they close. `server.close()` (and Fastify's `close()`) closes only the
 * connections idle at that moment: a kept-alive connection whose request was
 * in flight would stay open once answered, until its client drops it (Fastify
 * keeps them 72 s), and hold the close past its grace period.
 */
export function sweepIdleConnections(servers: Iterable<Server>, everyMs = 50): { stop(): void } {
  const timer = setInterval(() => {
    for (const server of servers) server.closeIdleConnections()
  }, everyMs).unref()
  return { stop: () => clearInterval(timer) }
}

/**
 * On SIGINT or SIGTERM, runs `close` once (finish in-flight work, release
 * resources) and exits 0; if it takes longer than `graceMs`, exits 1. Meanwhile
 * the connections of the servers `listenOrExit` started are closed as soon as
 * their last request is answered.
 */
export function exitGracefully(
  logger: ShutdownLogger,
  close: () => Promise<void>,
  graceMs = 10_000,
): void {
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down: finishing in-flight requests')
    setTimeout(() => process.exit(1), graceMs).unref()
    sweepIdleConnections(listening)
    await close()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
}

/** Writes `<service>: <message>` to stderr and exits 1: for start-up failures. */
export function failStartup(service: string, message: string): never {
  process.stderr.write(`${service}: ${message}\n`)
  process.exit(1)
}

/** Loads the configuration, or exits 1 with one line naming the wrong variable. */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  try {
    return load()
  } catch (error) {
    if (error instanceof ConfigError)
      failStartup(service, `invalid configuration: ${error.message}`)
    throw error
  }
}

/** Listens, or exits 1 saying why (a taken port is named as such). */
export async function listenOrExit(
  service: string,
  app: FastifyInstance,
  where: { port: number; host: string },
): Promise<void> {
  try {
    await app.listen(where)
    listening.add(app.server)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'EADDRINUSE'
        ? `port ${where.port} is already in use (PORT)`
        : (error as Error).message
    failStartup(service, `cannot listen: ${why}`)
  }
}

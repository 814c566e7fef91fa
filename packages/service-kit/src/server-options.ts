import { withDeferredChildren } from '@m2m/auth'
import { type FastifyServerOptions, LogController } from 'fastify'

/** The pino-like logger a service runs with. */
type ServiceLogger = NonNullable<FastifyServerOptions['loggerInstance']> & {
  isLevelEnabled?(level: string): boolean
}

/**
 * The Fastify options every service starts from, for its logger (none: no
 * logging). Per request, nothing is paid for logging that would be dropped:
 * - `request.log` is made only when a line is written at an enabled level
 *   (`withDeferredChildren`: through Fastify's own child factory, which
 *   Fastify does not check on every request as it checks a custom one's);
 * - Fastify's "incoming request" / "request completed" lines (info) are not
 *   even assembled when the logger is above info, their response time neither.
 * And a closing server answers 503 to new requests while in-flight ones finish.
 */
export function serviceServerOptions(logger: ServiceLogger | undefined): FastifyServerOptions {
  if (!logger) return { logger: false, return503OnClosing: true }
  return {
    loggerInstance: withDeferredChildren(logger),
    // Fastify 5.12's way: its `disableRequestLogging` option is deprecated (a warning at start).
    logController: new LogController({
      disableRequestLogging: logger.isLevelEnabled ? !logger.isLevelEnabled('info') : false,
    }),
    return503OnClosing: true,
  }
}

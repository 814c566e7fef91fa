import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { vi } from 'vitest'

// Every Fastify app the tests build without a logger of their own gets the
// services' production logger (createServiceLogger: redaction, query strings
// dropped) at level trace, writing to this run's capture directory, so that
// log-scan.ts can check what the whole suite logged. Trace makes Fastify log
// every request and response, and @m2m/auth/fastify every refusal (debug).
vi.mock('fastify', async (importOriginal) => {
  const original = await importOriginal<typeof import('fastify')>()
  const dir = process.env.M2M_LOG_CAPTURE_DIR
  if (!dir) return original
  const [{ createServiceLogger }, { default: pino }] = await Promise.all([
    import('@m2m/auth'),
    import('pino'),
  ])
  const destination = pino.destination({
    dest: join(dir, `${process.pid}-${threadId}.log`),
    sync: true,
  })
  const logger = createServiceLogger({ level: 'trace', destination })
  const fastify = original.default as unknown as (options?: Record<string, unknown>) => unknown
  const withCapture = (options: Record<string, unknown> = {}) => {
    if (options.loggerInstance || (options.logger && options.logger !== false)) {
      return fastify(options)
    }
    const { logger: _none, ...rest } = options
    return fastify({ ...rest, loggerInstance: logger })
  }
  Object.assign(withCapture, original.default)
  return { ...original, default: withCapture, fastify: withCapture }
})

import type { FastifyError, FastifyInstance } from 'fastify'
import { CodedError } from './coded-error.js'

export interface AnswerErrorsOptions {
  /**
   * Recognizes errors that are not coded but mean something a caller can act
   * on (e.g. a database that is down → a coded 503). The original error is
   * logged at warn level, by code and message only.
   */
  classify?: (error: unknown) => CodedError | undefined
}

/**
 * The one way a service answers an error: `{ error, message }` with the
 * status the error carries.
 * - A `CodedError` is answered as itself (503 adds `Retry-After: 1`); 5xx are
 *   logged at error level, except 503, which says "later", not "broken".
 * - A schema validation error is `400 invalid_request` naming the field.
 * - Fastify's own 4xx (a bad content type, a body too large) keep their status
 *   as `invalid_request`.
 * - Anything else is a bug: logged, and answered `500 internal_error` without
 *   its message.
 */
export function answerErrors(app: FastifyInstance, options: AnswerErrorsOptions = {}): void {
  app.setErrorHandler((thrown: FastifyError, request, reply) => {
    let error: CodedError | undefined = thrown instanceof CodedError ? thrown : undefined
    if (!error && !thrown.validation && options.classify) {
      error = options.classify(thrown)
      if (error) {
        const { code, message } = thrown
        request.log.warn({ err: { code, message } }, error.message)
      }
    }
    if (error) {
      if (error.statusCode === 503) reply.header('retry-after', '1')
      else if (error.statusCode >= 500) request.log.error({ err: error }, 'unexpected error')
      return reply.code(error.statusCode).send({ error: error.code, message: error.message })
    }
    if (thrown.validation) {
      return reply.code(400).send({ error: 'invalid_request', message: thrown.message })
    }
    const status = thrown.statusCode ?? 500
    if (status < 500) {
      return reply.code(status).send({ error: 'invalid_request', message: thrown.message })
    }
    request.log.error({ err: thrown }, 'unexpected error')
    return reply.code(status).send({ error: 'internal_error', message: 'Internal error' })
  })
}

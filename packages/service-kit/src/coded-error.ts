import createError from '@fastify/error'

/**
 * Base class of every coded error the services throw: a stable `code` (never
 * reused for another meaning) and the HTTP `statusCode` the service answers
 * with when the error reaches a request. `answerErrors` answers these as
 * themselves, so their messages are written for the caller: they never hold a
 * secret, a token, a host or a port.
 */
export class CodedError extends Error {
  declare code: string
  declare statusCode: number
}

// `@fastify/error` names every error "FastifyError"; the class's own name says more.
Object.defineProperty(CodedError.prototype, 'name', {
  get(this: CodedError) {
    return this.constructor.name
  },
  set() {},
  configurable: true,
})

/** A coded error class; the last constructor argument may be `{ cause }`. */
export interface CodedErrorConstructor<
  A extends unknown[] = [string],
  E extends CodedError = CodedError,
> {
  new (...args: A | [...A, { cause: unknown }]): E
  readonly prototype: E
}

/**
 * Defines a coded error class with `@fastify/error`: `message` is a
 * `util.format` template filled from the constructor's arguments (`%s`, `%j`).
 * Codes are upper case; a subclass may add fields. `Base` (a subclass of
 * `CodedError`) groups a family that callers test with `instanceof`.
 */
export function defineError<A extends unknown[] = [string], E extends CodedError = CodedError>(
  code: string,
  message: string,
  statusCode: number,
  Base: abstract new (...args: never[]) => E = CodedError as never,
): CodedErrorConstructor<A, E> {
  const base = Base as unknown as ErrorConstructor
  return createError(code, message, statusCode, base) as unknown as CodedErrorConstructor<A, E>
}

/**
 * `invalid_request` (400): a parameter or body the caller got wrong, with a
 * message naming it. Lower case, as OAuth 2.0 spells it, which is why it is not
 * built with `defineError`.
 */
export class InvalidRequestError extends CodedError {
  constructor(message: string) {
    super(message)
    this.code = 'invalid_request'
    this.statusCode = 400
  }
}

import type { FastifyInstance } from 'fastify'
import { InvalidRequestError } from './coded-error.js'

/** Keys that reach `Object.prototype` when a parsed body is later merged or assigned. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

function refuseForbiddenKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key))
    throw new InvalidRequestError(`body must not contain the key "${key}"`)
  return value
}

/**
 * Replaces Fastify's JSON parser in this scope so that prototype-pollution
 * payloads get a 400 naming the key (Fastify's own answer says the body "is
 * not valid JSON", which it is), and a syntax error never echoes the body back.
 */
export function useStrictJsonBodies(
  app: FastifyInstance,
  options: {
    /**
     * An empty body sent as `application/json` is no body (`undefined`) rather
     * than a 400: for an API whose routes without a body are called that way
     * (Auth0's Management API accepts it). A route whose schema needs a body
     * still refuses it. Default false.
     */
    allowEmpty?: boolean
  } = {},
): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (text === '') {
      return options.allowEmpty
        ? done(null, undefined)
        : done(new InvalidRequestError('body must not be empty'), undefined)
    }
    try {
      done(null, JSON.parse(text as string, refuseForbiddenKeys))
    } catch (error) {
      done(
        error instanceof InvalidRequestError
          ? error
          : new InvalidRequestError('body is not valid JSON'),
        undefined,
      )
    }
  })
}

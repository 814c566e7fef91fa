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
export function useStrictJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (text === '') return done(new InvalidRequestError('body must not be empty'), undefined)
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

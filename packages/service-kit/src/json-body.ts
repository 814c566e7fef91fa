import type { FastifyInstance } from 'fastify'
import { InvalidRequestError } from './coded-error.js'

/** Keys that reach `Object.prototype` when a parsed body is later merged or assigned. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/**
 * The forbidden key of a parsed body, if any, with the path of the object that
 * holds it; the deepest one when there are several (`constructor.prototype`
 * names `prototype`). JSON.parse defines `__proto__` as an own property, so
 * nothing is polluted by parsing; the body is refused before anyone merges it.
 * Iterative, so a deeply nested body cannot overflow the stack.
 */
function findForbiddenKey(root: unknown): { key: string; path: string[] } | undefined {
  let found: { key: string; path: string[] } | undefined
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: root, path: [] }]
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string[] }
    if (value === null || typeof value !== 'object') continue
    for (const [name, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(name) && (!found || path.length >= found.path.length)) {
        found = { key: name, path }
      }
      stack.push({ value: item, path: [...path, name] })
    }
  }
  return found
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
      const body = JSON.parse(text as string)
      const forbidden = findForbiddenKey(body)
      if (forbidden) {
        const where = ['body', ...forbidden.path].join('.')
        throw new InvalidRequestError(`${where} must not contain the key "${forbidden.key}"`)
      }
      done(null, body)
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

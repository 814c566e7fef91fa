import { expect } from 'vitest'

export const REALM = 'urn:worldmappers'

export interface Answer {
  statusCode: number
  wwwAuthenticate: string | string[] | undefined
  body: Record<string, unknown> | undefined
}

/** `WWW-Authenticate` of an RFC 6750 error answer. */
export function challenge(error: string, description: string, scope?: string): string {
  const base = `Bearer realm="${REALM}", error="${error}", error_description="${description}"`
  return scope === undefined ? base : `${base}, scope="${scope}"`
}

/** 401 invalid_token, exactly. */
export function expectInvalidToken(answer: Answer, description: string): void {
  expect(answer).toEqual({
    statusCode: 401,
    wwwAuthenticate: challenge('invalid_token', description),
    body: { error: 'invalid_token', error_description: description },
  })
}

/** 400 invalid_request, exactly. */
export function expectInvalidRequest(answer: Answer, description: string): void {
  expect(answer).toEqual({
    statusCode: 400,
    wwwAuthenticate: challenge('invalid_request', description),
    body: { error: 'invalid_request', error_description: description },
  })
}

/** 403 insufficient_scope, exactly. */
export function expectInsufficientScope(answer: Answer, scope: string): void {
  const description = `The token lacks the required scope: ${scope}`
  expect(answer).toEqual({
    statusCode: 403,
    wwwAuthenticate: challenge('insufficient_scope', description, scope),
    body: { error: 'insufficient_scope', error_description: description },
  })
}

/** 401 without credentials: a bare challenge (RFC 6750 §3.1), exactly. */
export function expectNoCredentials(answer: Answer): void {
  expect(answer).toEqual({
    statusCode: 401,
    wwwAuthenticate: `Bearer realm="${REALM}"`,
    body: {
      error: 'unauthorized',
      error_description: 'An Authorization header with a Bearer token is required',
    },
  })
}

/** `error_description` of an `AUTH_ERR_INVALID_REQUEST`. */
export const malformedRequest = (detail: string) =>
  `The authorization request is malformed: ${detail}`

/** `error_description` of an `AUTH_ERR_TOKEN_MALFORMED`. */
export const malformedToken = (detail: string) => `The token is malformed: ${detail}`

import { DpopProofError, InvalidRequestError } from '../errors.js'

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const WHITESPACE = /[ \t]/
const SPACE = 0x20
const TAB = 0x09

/**
 * Reads the bearer credentials of a request from its `Authorization` header
 * (RFC 6750 §2.1), the only place this package accepts a token. Their syntax
 * is checked apart, by `checkBearerSyntax`, the one step that reads the whole
 * token: the plugin skips it for a token its verifier holds verified (a
 * compact JWS, whose characters all are b64token ones).
 *
 * Returns `undefined` when the request carries no bearer credentials: no
 * header, an empty one, or another scheme such as `Basic`. Throws
 * `InvalidRequestError` (400 `invalid_request`) for a malformed Bearer header
 * and for an `access_token` query parameter, with or without a header:
 * tokens in URLs end up in logs and browser history (RFC 6750 §5.3).
 * The scheme name is case-insensitive (RFC 9110 §11.1).
 *
 * @param authorization the raw header value(s)
 * @param query the parsed query string, as the application sees it
 * @param rawHeaders the request's raw header list (`request.raw.rawHeaders`):
 *   Node keeps only the first of several `Authorization` headers, so the
 *   parsed value alone cannot tell that a second one was sent
 */
export function readBearerCredentials(
  authorization: unknown,
  query: unknown,
  rawHeaders?: readonly string[],
): string | undefined {
  refuseMisplacedCredentials(authorization, query, rawHeaders)
  return authorization === undefined ? undefined : readBearerToken(authorization)
}

/**
 * The checks of `readBearerCredentials` that come before the header is
 * parsed: throws `InvalidRequestError` (400) for an `access_token` query
 * parameter and for a repeated `Authorization` header.
 */
export function refuseMisplacedCredentials(
  authorization: unknown,
  query: unknown,
  rawHeaders?: readonly string[],
): asserts authorization is string | undefined {
  if (typeof query === 'object' && query !== null && Object.hasOwn(query, 'access_token')) {
    throw new InvalidRequestError(
      'access tokens in the query string are not accepted; send an Authorization: Bearer header',
    )
  }
  if (authorization === undefined) return
  if (typeof authorization !== 'string' || hasSeveralAuthorizations(rawHeaders)) {
    throw new InvalidRequestError('more than one Authorization header was sent')
  }
}

/**
 * The bearer credentials of one `Authorization` header value, once
 * `refuseMisplacedCredentials` passed it: see `readBearerCredentials`.
 */
export function readBearerToken(authorization: string): string | undefined {
  if (isPlainBearer(authorization)) return authorization.slice(7)
  const value = authorization.trim()
  if (!startsWithScheme(value, 'bearer')) return undefined
  const credentials = value.slice(6).trim()
  if (credentials === '') throw new InvalidRequestError('the Bearer token is empty')
  return credentials
}

/**
 * True for `Bearer <token>` as clients send it: the scheme spelled so, one
 * space, and a visible character at both ends of the token, so that `trim`
 * would remove nothing. Tested character by character: on a header of a
 * thousand characters this takes less than half the time of `trim` and a
 * case-blind loop over the scheme (Node 20).
 */
function isPlainBearer(value: string): boolean {
  return (
    value.charCodeAt(0) === 0x42 && // B
    value.charCodeAt(1) === 0x65 && // e
    value.charCodeAt(2) === 0x61 && // a
    value.charCodeAt(3) === 0x72 && // r
    value.charCodeAt(4) === 0x65 && // e
    value.charCodeAt(5) === 0x72 && // r
    value.charCodeAt(6) === SPACE &&
    isVisibleAscii(value.charCodeAt(7)) &&
    isVisibleAscii(value.charCodeAt(value.length - 1))
  )
}

/** True for the printable ASCII characters other than space, none of which `trim` removes. */
function isVisibleAscii(code: number): boolean {
  return code > SPACE && code < 0x7f
}

/**
 * True when `value` starts with the scheme `lowerName` (ASCII letters, matched
 * without regard to case, RFC 9110 §11.1) followed by a space, a tab or its end.
 * Compared in place: no regular expression and no lower-cased copy per request.
 */
function startsWithScheme(value: string, lowerName: string): boolean {
  if (!startsWithIgnoringCase(value, lowerName)) return false
  const length = lowerName.length
  if (value.length === length) return true
  const next = value.charCodeAt(length)
  return next === SPACE || next === TAB
}

/** True when `value` starts with `lowerName` (lower-case ASCII letters) in any case. */
function startsWithIgnoringCase(value: string, lowerName: string): boolean {
  const length = lowerName.length
  if (value.length < length) return false
  for (let i = 0; i < length; i++) {
    // ORing 0x20 lower-cases an ASCII letter and leaves every other code unequal to one.
    if ((value.charCodeAt(i) | 0x20) !== lowerName.charCodeAt(i)) return false
  }
  return true
}

/**
 * Throws `InvalidRequestError` (400) unless `credentials` is one RFC 6750
 * b64token (the `token68` of RFC 9449 §7.1 for the DPoP scheme).
 */
export function checkBearerSyntax(credentials: string, scheme = 'Bearer'): void {
  // One scan: b64token has no space or tab, so a token that matches it is
  // also a single token; which rule a refused one breaks is worked out only then.
  if (B64TOKEN.test(credentials)) return
  if (WHITESPACE.test(credentials)) {
    throw new InvalidRequestError('the Authorization header carries more than one token')
  }
  throw new InvalidRequestError(
    `the ${scheme} token has characters outside the RFC 6750 b64token syntax`,
  )
}

/**
 * Reads the access token of an `Authorization: DPoP <token>` header (RFC 9449
 * §7.1), once `readBearerCredentials` has found no Bearer credentials in it
 * (so the query string and a repeated header are already refused). Returns
 * `undefined` for another scheme or no header; throws `InvalidRequestError`
 * (400) when the token is empty. The scheme name is case-insensitive.
 */
export function readDpopCredentials(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined
  const value = authorization.trim()
  if (!startsWithScheme(value, 'dpop')) return undefined
  const credentials = value.slice(4).trim()
  if (credentials === '') throw new InvalidRequestError('the DPoP token is empty')
  return credentials
}

/**
 * The request's `DPoP` proof header, when it sent exactly one. Throws
 * `DpopProofError` (401 `invalid_dpop_proof`) when there is none, or more
 * than one (RFC 9449 §4.3, check 1): Node joins repeated `DPoP` lines with
 * `, `, a character no compact JWS holds.
 */
export function readDpopProof(header: unknown): string {
  if (header === undefined || header === '') {
    throw new DpopProofError('invalid_dpop_proof', 'no DPoP proof was sent')
  }
  if (typeof header !== 'string' || header.includes(',')) {
    throw new DpopProofError('invalid_dpop_proof', 'Multiple DPoP proofs are not allowed')
  }
  return header
}

/**
 * True when a form-encoded body carries an `access_token` field (RFC 6750
 * §2.2). Only form bodies count: a JSON body may hold an `access_token` field
 * as ordinary data.
 */
export function hasFormAccessToken(contentType: unknown, body: unknown): boolean {
  return (
    typeof contentType === 'string' &&
    contentType.toLowerCase().startsWith('application/x-www-form-urlencoded') &&
    typeof body === 'object' &&
    body !== null &&
    Object.hasOwn(body, 'access_token')
  )
}

/**
 * True when the raw header list holds more than one `Authorization` line.
 * Node's parser silently drops the second (RFC 9110 §5.3 forbids repeating a
 * singleton field), so a request could otherwise be judged on one token while
 * a proxy or log saw the other.
 */
function hasSeveralAuthorizations(rawHeaders: readonly string[] | undefined): boolean {
  if (rawHeaders === undefined) return false
  let seen = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === 13 && isAuthorizationName(name) && ++seen > 1) return true
  }
  return false
}

/**
 * True for the field name `Authorization` in any case. The two spellings
 * clients send are compared whole first: a string comparison costs a third of
 * the case-blind loop over 13 characters.
 */
function isAuthorizationName(name: string): boolean {
  return (
    name === 'authorization' ||
    name === 'Authorization' ||
    startsWithIgnoringCase(name, 'authorization')
  )
}

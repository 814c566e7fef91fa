import { context, propagation } from '@opentelemetry/api'
import { type Dispatcher, request } from 'undici'
import { TokenEndpointError, TokenNetworkError, TokenResponseError } from '../errors.js'
import { parseRetryAfter } from '../retry.js'
import { JWT_BEARER_ASSERTION_TYPE } from './client-assertion.js'
import { exhaustedBucket, type QuotaBucket, quotaBucketsOf } from './quota.js'

/** How the client proves its identity with a secret (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic'

/**
 * The client's credentials for one request: its secret, or a signed JWT
 * assertion (`private_key_jwt`, RFC 7523 §2.2) made for this request only.
 */
export type ClientAuthentication =
  | { method: ClientAuthMethod; clientSecret: string }
  | { method: 'private_key_jwt'; clientAssertion: string }

/** How the request body is encoded. Auth0 accepts both. */
export type TokenRequestEncoding = 'form' | 'json'

export interface ClientCredentialsRequest {
  tokenEndpoint: string
  clientId: string
  authentication: ClientAuthentication
  encoding: TokenRequestEncoding
  audience?: string | undefined
  scope?: string | undefined
  organization?: string | undefined
  dispatcher: Dispatcher
  timeoutMs: number
  userAgent: string
  /** DPoP: the proof for this request (RFC 9449 §5), made for the token endpoint. */
  dpopProof?: string | undefined
  /** Called with each `DPoP-Nonce` the token endpoint sends (RFC 9449 §8). */
  onDpopNonce?: ((nonce: string) => void) | undefined
  /** Called with the quota buckets an answer reports (`Auth0-*-Quota-Limit`), when it does. */
  onQuota?: ((buckets: QuotaBucket[]) => void) | undefined
  /** Called once per request: with the answer's HTTP status, or `network` when none came. */
  onResponse?: ((status: number | 'network') => void) | undefined
}

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string
  token_type: string
  expires_in: number
  scope?: string
}

/**
 * A failed exchange, with what the retry loop needs to decide: whether the
 * failure is transient and how long the server asked us to wait.
 */
export interface ExchangeFailure {
  error: Error
  retryable: boolean
  retryAfterMs?: number | undefined
}

/**
 * Sends a client-credentials grant request (RFC 6749 §4.4.2) and processes
 * the response. Resolves the token response, or rejects with an
 * `ExchangeFailure` describing the error.
 */
export async function requestClientCredentialsToken(
  req: ClientCredentialsRequest,
  now: () => number,
): Promise<TokenResponse> {
  const params: Record<string, string> = { grant_type: 'client_credentials' }
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': req.userAgent,
  }
  const auth = req.authentication
  if (auth.method === 'private_key_jwt') {
    // client_id stays in the body, as Auth0's SDKs send it (RFC 7523 §3 allows it).
    params.client_id = req.clientId
    params.client_assertion_type = JWT_BEARER_ASSERTION_TYPE
    params.client_assertion = auth.clientAssertion
  } else if (auth.method === 'client_secret_basic') {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const pair = `${formEncode(req.clientId)}:${formEncode(auth.clientSecret)}`
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`
  } else {
    params.client_id = req.clientId
    params.client_secret = auth.clientSecret
  }
  if (req.dpopProof !== undefined) headers.dpop = req.dpopProof
  // W3C trace context of the exchange's span, so the tenant's side joins the caller's trace.
  propagation.inject(context.active(), headers)
  if (req.audience !== undefined) params.audience = req.audience
  if (req.scope) params.scope = req.scope
  if (req.organization !== undefined) params.organization = req.organization

  let body: string
  if (req.encoding === 'json') {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(params)
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded'
    body = new URLSearchParams(params).toString()
  }

  let response: Dispatcher.ResponseData
  try {
    response = await request(req.tokenEndpoint, {
      method: 'POST',
      headers,
      body,
      dispatcher: req.dispatcher,
      signal: AbortSignal.timeout(req.timeoutMs),
    })
  } catch (cause) {
    req.onResponse?.('network')
    throw failure(new TokenNetworkError(describeNetworkError(cause), { cause }), true)
  }
  req.onResponse?.(response.statusCode)
  const nonce = response.headers['dpop-nonce']
  if (typeof nonce === 'string' && nonce !== '') req.onDpopNonce?.(nonce)
  const buckets = quotaBucketsOf(response.headers, now())
  if (buckets.length > 0) req.onQuota?.(buckets)
  const credential = auth.method === 'private_key_jwt' ? auth.clientAssertion : auth.clientSecret
  return processTokenResponse(response, credential, now, req.dpopProof !== undefined, buckets)
}

/** Turns an HTTP response from the token endpoint into a token or a failure. */
async function processTokenResponse(
  response: Dispatcher.ResponseData,
  credential: string,
  now: () => number,
  dpop: boolean,
  buckets: readonly QuotaBucket[],
): Promise<TokenResponse> {
  const { statusCode } = response
  let json: unknown
  try {
    json = JSON.parse(await response.body.text())
  } catch (cause) {
    json = undefined
    if (statusCode >= 200 && statusCode < 300) {
      throw failure(new TokenResponseError('the body is not JSON', { cause }), true)
    }
  }

  if (statusCode >= 200 && statusCode < 300) {
    return validateTokenResponse(json, dpop)
  }

  const at = now()
  const retryAfterHeader = response.headers['retry-after']
  let retryAfterMs =
    parseRetryAfter(Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader, at) ??
    (statusCode === 429 ? rateLimitResetMs(response.headers['x-ratelimit-reset'], at) : undefined)
  // A spent quota refills at its bucket's reset: no retry may come before it.
  const spent = statusCode === 429 ? exhaustedBucket(buckets) : undefined
  if (spent) retryAfterMs = Math.max(retryAfterMs ?? 0, spent.resetAt - at)
  const oauth = isRecord(json) ? json : {}
  const code = typeof oauth.error === 'string' ? redact(oauth.error, credential) : undefined
  const description =
    typeof oauth.error_description === 'string'
      ? redact(oauth.error_description, credential)
      : undefined
  const said = code ? (description ? `${code} (${description})` : code) : 'no OAuth error body'
  const summary = spent
    ? `${said}; the ${spent.scope} ${spent.bucket} token quota (${spent.limit}) is spent until ${new Date(spent.resetAt).toISOString()}`
    : said
  const error = new TokenEndpointError(statusCode, summary, {
    error: code,
    error_description: description,
    error_uri: typeof oauth.error_uri === 'string' ? oauth.error_uri : undefined,
    retryAfterMs,
  })
  const retryable = statusCode === 429 || statusCode >= 500
  throw failure(error, retryable, retryAfterMs)
}

/**
 * A DPoP request may be answered with a bearer token (an API that does not
 * take DPoP): the token's own type then decides how it is sent. A DPoP token
 * that was not asked for is refused: it could not be used.
 */
function validateTokenResponse(json: unknown, dpop: boolean): TokenResponse {
  if (!isRecord(json)) {
    throw failure(new TokenResponseError('the body is not a JSON object'), true)
  }
  const { access_token, token_type, expires_in, scope } = json
  if (typeof access_token !== 'string' || access_token.length === 0) {
    throw failure(new TokenResponseError('access_token is missing'), false)
  }
  const type = typeof token_type === 'string' ? token_type.toLowerCase() : undefined
  if (type !== 'bearer' && !(dpop && type === 'dpop')) {
    throw failure(
      new TokenResponseError(
        dpop ? 'token_type is not DPoP or Bearer' : 'token_type is not Bearer',
      ),
      false,
    )
  }
  const lifetime = typeof expires_in === 'string' ? Number(expires_in) : expires_in
  if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0) {
    throw failure(new TokenResponseError('expires_in is not a positive number'), false)
  }
  return {
    access_token,
    // Normalized: Auth0 answers "Bearer" and "DPoP", RFC 6749 §5.1 allows any case.
    token_type: type === 'dpop' ? 'DPoP' : 'Bearer',
    expires_in: lifetime,
    ...(typeof scope === 'string' ? { scope } : {}),
  }
}

/**
 * `X-RateLimit-Reset` (Auth0: the epoch second the limit resets) as ms from
 * `now`, when it is one; read only where `Retry-After` is absent.
 */
function rateLimitResetMs(value: string | string[] | undefined, now: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim()
  if (!text || !/^\d{1,12}$/.test(text)) return undefined
  return Math.max(0, Number(text) * 1000 - now)
}

function failure(error: Error, retryable: boolean, retryAfterMs?: number): ExchangeFailure {
  return { error, retryable, retryAfterMs }
}

/** True for a value thrown by `requestClientCredentialsToken`. */
export function isExchangeFailure(value: unknown): value is ExchangeFailure {
  return isRecord(value) && value.error instanceof Error && typeof value.retryable === 'boolean'
}

function describeNetworkError(cause: unknown): string {
  if (cause instanceof Error) {
    if (cause.name === 'TimeoutError' || cause.name === 'AbortError') return 'timed out'
    const code = (cause as { code?: unknown }).code
    return typeof code === 'string' ? code : cause.name
  }
  return 'unknown error'
}

function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+')
}

/** Servers may echo request fields; the secret or assertion must never reach an error. */
function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

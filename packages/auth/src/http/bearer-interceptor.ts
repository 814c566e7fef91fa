import type { Dispatcher } from 'undici'
import { InvalidOptionError, UnusableAccessTokenError } from '../errors.js'
import {
  type ClientSpan,
  createHttpClientTelemetry,
  type HttpClientTelemetry,
} from '../telemetry/http-client-telemetry.js'
import { resolveTelemetry, type TelemetryOptions } from '../telemetry/telemetry-options.js'
import type { AccessTokenSource, TypedAccessToken } from '../token/types.js'
import {
  type BaseHeaders,
  stripAuthorization,
  withBearer,
  withDpop,
} from './authorization-header.js'
import { createDpopNonces, type DpopNonces, requestUrl } from './dpop-request.js'
import { bearerError, dpopError } from './www-authenticate.js'

/** Options of {@link createBearerInterceptor}. Give `origins`, `shouldAuthorize`, or both. */
export interface BearerInterceptorOptions {
  /**
   * Origins (`scheme://host[:port]`) that receive the token, e.g.
   * `'https://api.example.com'`. Default ports and a trailing `/` are
   * normalised; a path, query or credentials are rejected.
   */
  origins?: string | readonly string[]
  /**
   * Decides per request whether to send the token. With `origins` too, both
   * must agree. Called synchronously for every dispatch, so keep it cheap.
   */
  shouldAuthorize?: (opts: Dispatcher.DispatchOptions) => boolean
  /**
   * Where the span of each authorized call (`HTTP GET`, ...) goes; its trace
   * context is sent downstream (`traceparent`, by the global propagator).
   * Default: the global tracer provider of `@opentelemetry/api`; with none
   * installed, no span is made.
   */
  telemetry?: TelemetryOptions
}

type Dispatch = Dispatcher.Dispatch
type DispatchOptions = Dispatcher.DispatchOptions
type DispatchHandler = Dispatcher.DispatchHandler
type DispatchController = Dispatcher.DispatchController

/**
 * Creates an undici interceptor that sends `Authorization: Bearer <token>` with
 * a token from `source`:
 *
 * ```ts
 * const dispatcher = new Agent().compose(
 *   createBearerInterceptor(tokens, { origins: 'https://api.example.com' }),
 * )
 * await request('https://api.example.com/me', { dispatcher })
 * ```
 *
 * - The token goes only to requests that pass `origins` / `shouldAuthorize`;
 *   there is no "every host" default, so a dispatcher installed globally cannot
 *   leak it. Other requests pass through untouched and never wait for a token.
 * - An `Authorization` header already on the request is replaced.
 * - On a `401` whose `Bearer` challenge says `error="invalid_token"`
 *   (RFC 6750 §3.1), the token that was sent is invalidated and the request is
 *   sent once more with a fresh token, if its body can be sent again (none, a
 *   string, a Buffer/typed array or an ArrayBuffer). The discarded 401's body is
 *   drained, not delivered. A stream or iterable body (which includes every
 *   `fetch()` body) is not replayed: the caller gets the 401. A second 401 is
 *   always passed through and its token is not invalidated, so a resource server
 *   that rejects every token cannot cause a refresh loop.
 * - If `getToken()` or `invalidate()` fails, the request fails with that error.
 * - DPoP (RFC 9449): when `source` hands out DPoP tokens (a provider with the
 *   `dpop` option), each request is sent with `Authorization: DPoP <token>` and
 *   a new `DPoP` proof for its method and URL, with the token's hash (`ath`) and
 *   the server's last `DPoP-Nonce`. A 401 `use_dpop_nonce` is answered once with
 *   a proof carrying the new nonce (same replay rules as above); a DPoP
 *   `invalid_token` refreshes the token as for Bearer.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @throws InvalidOptionError when neither option is given or an origin is invalid.
 */
export function createBearerInterceptor(
  source: AccessTokenSource,
  options: BearerInterceptorOptions,
): Dispatcher.DispatcherComposeInterceptor {
  if (
    typeof source !== 'object' ||
    source === null ||
    typeof source.getToken !== 'function' ||
    typeof source.invalidate !== 'function'
  ) {
    throw new InvalidOptionError('source must have getToken() and invalidate()')
  }
  const shouldAuthorize = resolvePolicy(options)
  const nonces = createDpopNonces()
  const tracing = createHttpClientTelemetry(resolveTelemetry(options?.telemetry))

  return (dispatch) =>
    function bearerInterceptor(opts, handler) {
      if (!shouldAuthorize(opts)) return dispatch(opts, handler)
      new BearerExchange(source, dispatch, opts, handler, nonces, tracing).start()
      return true
    }
}

function resolvePolicy(options: BearerInterceptorOptions): (opts: DispatchOptions) => boolean {
  const { origins, shouldAuthorize } = (options ?? {}) as BearerInterceptorOptions
  if (origins === undefined && shouldAuthorize === undefined) {
    throw new InvalidOptionError(
      'origins or shouldAuthorize is required: the token is never sent to every host',
    )
  }
  if (shouldAuthorize !== undefined && typeof shouldAuthorize !== 'function') {
    throw new InvalidOptionError('shouldAuthorize must be a function')
  }
  // Only a literal true sends the token: a buggy predicate returning a truthy object must not.
  const decide = shouldAuthorize && ((opts: DispatchOptions) => shouldAuthorize(opts) === true)
  if (origins === undefined) return decide as (opts: DispatchOptions) => boolean

  const allowed = new Set(resolveOrigins(origins))
  const originAllowed = (opts: DispatchOptions) =>
    (typeof opts.origin === 'string' && allowed.has(opts.origin)) ||
    allowed.has(originOf(opts.origin) ?? '')
  if (decide === undefined) return originAllowed
  return (opts) => originAllowed(opts) && decide(opts)
}

function resolveOrigins(origins: string | readonly string[]): string[] {
  const list = typeof origins === 'string' ? [origins] : origins
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidOptionError('origins must be a URL origin or a non-empty list of them')
  }
  return list.map((entry: unknown) => {
    let url: URL
    try {
      url = new URL(String(entry))
    } catch {
      throw new InvalidOptionError(`origins: ${String(entry)} is not a URL`)
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new InvalidOptionError(`origins: ${url.origin} is not an http(s) origin`)
    }
    // A path would suggest per-path scoping, which an origin check cannot give.
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      throw new InvalidOptionError(
        `origins: ${url.origin} must be an origin, with no path or query`,
      )
    }
    return url.origin
  })
}

function originOf(origin: DispatchOptions['origin']): string | undefined {
  if (origin instanceof URL) return origin.origin
  if (typeof origin !== 'string') return undefined
  try {
    return new URL(origin).origin
  } catch {
    return undefined
  }
}

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

function checkToken(token: unknown): string {
  if (typeof token !== 'string') throw new UnusableAccessTokenError('not a string')
  if (token === '') throw new UnusableAccessTokenError('empty')
  if (!b64token.test(token)) {
    throw new UnusableAccessTokenError('characters outside the RFC 6750 b64token set')
  }
  return token
}

/** Bodies that can be sent twice: anything else is consumed by the first attempt. */
function isReplayable(body: unknown): boolean {
  return (
    body == null ||
    typeof body === 'string' ||
    ArrayBuffer.isView(body) ||
    body instanceof ArrayBuffer
  )
}

/**
 * The controller the caller's handler sees for the whole exchange. Each attempt
 * has its own undici controller; this one forwards to the live one, and between
 * attempts (waiting for a token) turns an abort into an error for the caller.
 */
class ExchangeController implements DispatchController {
  #target: DispatchController | null = null
  #paused = false
  #aborted = false
  #reason: Error | null = null
  readonly #onIdleAbort: (reason: Error) => void

  constructor(onIdleAbort: (reason: Error) => void) {
    this.#onIdleAbort = onIdleAbort
  }

  attach(target: DispatchController) {
    this.#target = target
    if (this.#aborted) target.abort(this.#reason as Error)
    else if (this.#paused) target.pause()
  }

  detach() {
    this.#target = null
  }

  get aborted() {
    return this.#aborted || (this.#target?.aborted ?? false)
  }

  get paused() {
    return this.#paused
  }

  get reason() {
    return this.#reason ?? this.#target?.reason ?? null
  }

  get rawHeaders() {
    return this.#target?.rawHeaders ?? null
  }

  get rawTrailers() {
    return this.#target?.rawTrailers ?? null
  }

  pause() {
    this.#paused = true
    this.#target?.pause()
  }

  resume() {
    this.#paused = false
    this.#target?.resume()
  }

  abort(reason: Error) {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    if (this.#target) this.#target.abort(reason)
    else this.#onIdleAbort(reason)
  }
}

/** A token from `source`, typed: a source without `getAccessToken` hands out bearer tokens. */
function typedToken(source: AccessTokenSource): Promise<TypedAccessToken> {
  if (source.getAccessToken)
    return invoke(() => (source.getAccessToken as () => Promise<TypedAccessToken>)())
  return invoke(() => source.getToken()).then((accessToken) => ({
    accessToken,
    tokenType: 'Bearer',
  }))
}

/** One request from the caller: up to two attempts, each with its own token. */
class BearerExchange implements DispatchHandler {
  readonly #source: AccessTokenSource
  readonly #dispatch: Dispatch
  readonly #opts: DispatchOptions
  readonly #handler: DispatchHandler
  readonly #headers: BaseHeaders
  readonly #controller: ExchangeController
  readonly #nonces: DpopNonces
  readonly #tracing: HttpClientTelemetry
  #span: ClientSpan | undefined
  #attempts = 0
  #sent: TypedAccessToken | undefined
  #discarding = false
  #refresh: Promise<TypedAccessToken> | undefined
  #done = false

  constructor(
    source: AccessTokenSource,
    dispatch: Dispatch,
    opts: DispatchOptions,
    handler: DispatchHandler,
    nonces: DpopNonces,
    tracing: HttpClientTelemetry,
  ) {
    this.#source = source
    this.#dispatch = dispatch
    this.#opts = opts
    this.#handler = handler
    this.#nonces = nonces
    this.#tracing = tracing
    this.#headers = stripAuthorization(opts.headers)
    // Deferred: an abort can arrive from inside the caller's onRequestStart.
    this.#controller = new ExchangeController((reason) => queueMicrotask(() => this.#fail(reason)))
  }

  start() {
    // Before the caller's onRequestStart, which may abort (the span then ends in #fail).
    this.#span = this.#tracing.start(this.#opts)
    // The caller gets its controller now, so it can abort while a token is awaited.
    this.#handler.onRequestStart?.(this.#controller, undefined)
    if (this.#controller.aborted) return
    this.#sendWith(typedToken(this.#source))
  }

  #sendWith(token: Promise<TypedAccessToken>) {
    token.then(
      (value) => this.#send(value),
      (error: unknown) => this.#fail(error),
    )
  }

  #send(typed: TypedAccessToken) {
    if (this.#done || this.#controller.aborted) return
    try {
      const accessToken = checkToken(typed?.accessToken)
      this.#sent = { accessToken, tokenType: typed.tokenType }
      this.#attempts++
      this.#discarding = false
      if (this.#attempts > 1) this.#span?.resent(this.#attempts - 1)
      const headers = this.#authorizationHeaders(this.#sent)
      // Sent downstream only with a span of ours: with no tracer installed there is no trace to continue.
      if (this.#span) this.#tracing.inject(headers, this.#span)
      this.#dispatch({ ...this.#opts, headers }, this)
    } catch (error) {
      this.#fail(error)
    }
  }

  #authorizationHeaders({ accessToken, tokenType }: TypedAccessToken) {
    if (tokenType !== 'DPoP') return withBearer(this.#headers, accessToken)
    const key = this.#source.dpopKey
    if (!key) throw new UnusableAccessTokenError('a DPoP token from a source without a DPoP key')
    const url = requestUrl(this.#opts)
    const proof = this.#nonces.proof(key, this.#opts.method, url, accessToken)
    return withDpop(this.#headers, accessToken, proof)
  }

  #fail(error: unknown) {
    if (this.#done) return
    this.#done = true
    this.#span?.failed(error)
    this.#handler.onResponseError?.(this.#controller, error as Error)
  }

  onRequestStart(controller: DispatchController) {
    this.#controller.attach(controller)
  }

  onRequestUpgrade(
    _controller: DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<DispatchHandler['onRequestUpgrade']>>[2],
    socket: Parameters<NonNullable<DispatchHandler['onRequestUpgrade']>>[3],
  ) {
    this.#done = true
    this.#span?.responded(statusCode)
    this.#span?.end()
    this.#handler.onRequestUpgrade?.(this.#controller, statusCode, headers, socket)
  }

  onResponseStart(
    _controller: DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<DispatchHandler['onResponseStart']>>[2],
    statusMessage?: string,
  ) {
    if (this.#done) return
    const sent = this.#sent as TypedAccessToken
    const dpop = sent.tokenType === 'DPoP'
    const nonceChanged = dpop && this.#nonces.update(this.#opts, headers['dpop-nonce'])
    const challenge = headers['www-authenticate']
    const error =
      statusCode === 401 ? (dpop ? dpopError(challenge) : bearerError(challenge)) : undefined
    if (error === 'use_dpop_nonce' && nonceChanged && this.#attempts === 1) {
      // RFC 9449 §9: the same token again, with a proof that carries the nonce just sent.
      if (isReplayable(this.#opts.body)) {
        this.#discarding = true
        this.#refresh = Promise.resolve(sent)
        return
      }
    } else if (error === 'invalid_token' && this.#attempts === 1) {
      const rejected = sent.accessToken
      const invalidated = invoke(() => this.#source.invalidate(rejected))
      if (isReplayable(this.#opts.body)) {
        // Refresh while the 401 body drains; the replay waits for both.
        this.#discarding = true
        // In the caller's context: undici calls back in whichever context made its socket.
        const span = this.#span
        this.#refresh = invalidated.then(() =>
          span ? span.inParent(() => typedToken(this.#source)) : typedToken(this.#source),
        )
        this.#refresh.catch(() => {}) // observed in onResponseEnd; the response may fail first
        return
      }
      // The token is still bad for the next request, even though this one is not replayed.
      invalidated.catch(() => {})
    }
    this.#span?.responded(statusCode)
    this.#handler.onResponseStart?.(this.#controller, statusCode, headers, statusMessage)
  }

  onResponseData(_controller: DispatchController, chunk: Buffer) {
    if (this.#discarding || this.#done) return
    this.#handler.onResponseData?.(this.#controller, chunk)
  }

  onResponseEnd(
    _controller: DispatchController,
    trailers: Parameters<NonNullable<DispatchHandler['onResponseEnd']>>[1],
  ) {
    this.#controller.detach()
    if (this.#done) return
    if (this.#discarding && this.#refresh) {
      this.#sendWith(this.#refresh)
      return
    }
    this.#done = true
    this.#span?.end()
    this.#handler.onResponseEnd?.(this.#controller, trailers)
  }

  onResponseError(_controller: DispatchController, error: Error) {
    this.#controller.detach()
    this.#fail(error)
  }
}

function invoke<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(error)
  }
}

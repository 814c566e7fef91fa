import { STATUS_CODES } from 'node:http'
import { AuthError } from '@m2m/auth/errors'
import { createBearerInterceptor } from '@m2m/auth/http'
import type { AccessTokenSource } from '@m2m/auth/token'
import { Agent, type Dispatcher, request } from 'undici'
import { CliError, ExitCode } from '../errors.js'

export interface ApiRequest {
  method: string
  url: URL
  headers?: Record<string, string>
  body?: string
  signal?: AbortSignal
}

export interface ApiResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

export interface ApiClient {
  send(req: ApiRequest): Promise<ApiResponse>
  close(): Promise<void>
}

/**
 * undici with the `@m2m/auth/http` bearer interceptor, allowed to send the
 * token to one origin only: a redirect or a mistyped URL elsewhere gets none.
 * With a DPoP token source (`--dpop`), the interceptor sends
 * `Authorization: DPoP` and a new proof with every request, and answers a
 * `use_dpop_nonce` challenge once.
 */
export function createApiClient(tokens: AccessTokenSource, origin: string): ApiClient {
  const agent = new Agent({ connectTimeout: 10_000, headersTimeout: 30_000, bodyTimeout: 30_000 })
  const dispatcher: Dispatcher = agent.compose(
    createBearerInterceptor(tokens, { origins: [origin] }),
  )
  return {
    async send(req) {
      try {
        const res = await request(req.url, {
          method: req.method as Dispatcher.HttpMethod,
          dispatcher,
          ...(req.headers ? { headers: req.headers } : {}),
          ...(req.body !== undefined ? { body: req.body } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        })
        return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
      } catch (error) {
        // A token that could not be had (AuthError, or CliError from the token
        // session) is not a network failure of the API.
        if (
          error instanceof AuthError ||
          error instanceof CliError ||
          (error as Error).name === 'AbortError'
        ) {
          throw error
        }
        throw new CliError(
          `could not reach ${req.url.origin}: ${networkReason(error)}`,
          ExitCode.NETWORK,
          {
            cause: error,
          },
        )
      }
    },
    close: () => agent.close(),
  }
}

function networkReason(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && code) return code
  return typeof message === 'string' && message ? message : 'network error'
}

/** `GET <url> answered 404 Not Found: <what the body says>`, for a status >= 400. */
export function httpError(req: ApiRequest, res: ApiResponse): CliError {
  const reason = STATUS_CODES[res.status] ?? 'HTTP error'
  const detail = describeBody(res.text)
  return new CliError(
    `${req.method} ${req.url.href} answered ${res.status} ${reason}${detail ? `: ${detail}` : ''}`,
    ExitCode.REMOTE,
  )
}

/** The useful part of an error body: OAuth's, Auth0's or this repository's shapes. */
function describeBody(text: string): string {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return ''
  }
  if (typeof body !== 'object' || body === null) return ''
  const fields = body as Record<string, unknown>
  const parts = [fields.error, fields.error_description ?? fields.message].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  )
  return parts.join(': ')
}

/** A JSON answer, or a `CliError` (exit 1) saying the API sent something else. */
export function parseJson(req: ApiRequest, res: ApiResponse): unknown {
  try {
    return JSON.parse(res.text)
  } catch {
    throw new CliError(
      `${req.method} ${req.url.href} answered ${res.status} with a body that is not JSON`,
      ExitCode.REMOTE,
    )
  }
}

import type { FastifyInstance } from 'fastify'
import type { KeyRing } from '../../keys/key-ring.js'
import type { TenantState } from '../../state/tenant-state.js'
import { type CurlLines, curlLines } from './curl-lines.js'
import type { GrantOption } from './grant-options.js'
import { decodeSegment, type Verification, verifyIssuedToken } from './token-verification.js'
import type { TryInput } from './try-input.js'

/**
 * What "Try it" shows, and `POST /dashboard/try` answers as JSON: the token
 * endpoint's outcome, and for an issued token its decoded parts, its
 * verification and lifetime. Never the client's secret nor an API's signing secret.
 */
export interface TryResult {
  ok: boolean
  /** The token endpoint's status. */
  status: number
  error?: string
  error_description?: string
  token?: string
  token_type?: string
  expires_in?: number
  header?: Record<string, unknown>
  payload?: Record<string, unknown>
  verification?: Verification
  curl: CurlLines
}

/** The token endpoint did not give an OAuth answer (a 5xx, or no answer at all). */
export class TenantUnansweredError extends Error {}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined)

export interface TryExchangeDeps {
  app: FastifyInstance
  state: TenantState
  keys: KeyRing
  issuer: string
}

/**
 * Makes the exchange for real, through the tenant's own `POST /oauth/token`
 * (in process), so that it is checked, counted and logged like any other.
 */
export async function tryExchange(
  deps: TryExchangeDeps,
  option: GrantOption,
  input: TryInput,
): Promise<TryResult> {
  const curl = curlLines({
    issuer: deps.issuer,
    clientId: option.clientId,
    audience: option.audience,
    scope: input.scope,
    organization: input.organization,
  })
  const secret = deps.state.client(option.clientId)?.client_secret
  if (!secret) throw new TenantUnansweredError(`${option.clientName} has no client secret any more`)
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: option.clientId,
    client_secret: secret,
    audience: option.audience,
  })
  if (input.scope) form.set('scope', input.scope)
  if (input.organization) form.set('organization', input.organization)

  let answer: { statusCode: number; body: string }
  try {
    answer = await deps.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'local-tenant-dashboard (Try it)',
      },
      payload: form.toString(),
    })
  } catch (error) {
    throw new TenantUnansweredError(error instanceof Error ? error.message : String(error), {
      cause: error,
    })
  }
  let body: Record<string, unknown>
  try {
    body = JSON.parse(answer.body) as Record<string, unknown>
  } catch {
    throw new TenantUnansweredError(`the token endpoint answered ${answer.statusCode}, not in JSON`)
  }
  if (answer.statusCode >= 500) {
    const reason = text(body.error_description) ?? text(body.error) ?? 'no reason given'
    throw new TenantUnansweredError(`the token endpoint answered ${answer.statusCode}: ${reason}`)
  }
  const token = text(body.access_token)
  if (answer.statusCode !== 200 || token === undefined) {
    return {
      ok: false,
      status: answer.statusCode,
      error: text(body.error) ?? 'invalid_response',
      error_description: text(body.error_description) ?? 'The token endpoint gave no reason.',
      curl,
    }
  }
  const api = deps.state.resourceServerByIdentifier(option.audience)
  return {
    ok: true,
    status: answer.statusCode,
    token,
    ...(text(body.token_type) ? { token_type: text(body.token_type) } : {}),
    ...(typeof body.expires_in === 'number' ? { expires_in: body.expires_in } : {}),
    header: decodeSegment(token, 0) ?? {},
    payload: decodeSegment(token, 1) ?? {},
    ...(api ? { verification: await verifyIssuedToken(token, api, deps) } : {}),
    curl,
  }
}

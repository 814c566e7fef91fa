import type { FastifyInstance } from 'fastify'
import type { KeyRing } from '../keys/key-ring.js'
import { createAccessTokenSigner } from '../oauth/access-token.js'
import type { TenantState } from '../state/tenant-state.js'

/** The header that spares the in-process caller the tenant's Management API rate limit. */
export const IN_PROCESS_HEADER = 'x-m2m-in-process'

export interface ManagementAnswer<T = unknown> {
  status: number
  body: T
}

export interface InProcessManagementOptions {
  app: FastifyInstance
  state: TenantState
  keys: KeyRing
  issuer: string
  /** The `sub`/`azp` of its tokens, as seen in the Management API's logs. */
  clientId: string
  /** A per-process secret: with it, calls skip the Management API rate limit. */
  rateLimitExemption?: string
}

/**
 * Calls the tenant's own Management API in process (`inject`, no socket),
 * with a token for every Management API scope signed by the current key,
 * so callers get Auth0's validation and answers, not a second copy of them.
 */
export function createInProcessManagement(options: InProcessManagementOptions) {
  const sign = createAccessTokenSigner(options.keys, options.issuer)
  const audience = `${options.issuer}api/v2/`

  /** A new token per call: a rotation or revocation never leaves a stale one behind. */
  function token(): string {
    const api = options.state.resourceServerByIdentifier(audience)
    if (!api) throw new Error('the local tenant has no Management API') // never: every tenant has it
    return sign({
      clientId: options.clientId,
      resourceServer: api,
      scopes: api.scopes.map((scope) => scope.value),
      organization: undefined,
      customClaims: {},
    }).token
  }

  return {
    token,
    async request<T = unknown>(
      method: string,
      path: string,
      body?: unknown,
    ): Promise<ManagementAnswer<T>> {
      const response = await options.app.inject({
        method: method as 'GET',
        url: `/api/v2/${path.replace(/^\/+/, '')}`,
        headers: {
          authorization: `Bearer ${token()}`,
          ...(options.rateLimitExemption
            ? { [IN_PROCESS_HEADER]: options.rateLimitExemption }
            : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      })
      return { status: response.statusCode, body: parseJson(response.body) as T }
    },
  }
}

export type InProcessManagement = ReturnType<typeof createInProcessManagement>

/** A response body as JSON; `undefined` when empty, the text itself when it is not JSON. */
export function parseJson(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

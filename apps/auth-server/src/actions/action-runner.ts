import { pathToFileURL } from 'node:url'
import type { Client, CredentialsExchangeAction, Organization } from '../tenant/model.js'

/** What an action decided for one exchange. */
export type ActionOutcome =
  | { kind: 'allow'; customClaims: Record<string, unknown> }
  | { kind: 'deny'; code: string; reason: string }
  | { kind: 'failed'; action: string; error: unknown }

export interface CredentialsExchangeEvent {
  client: { client_id: string; name: string; metadata: Record<string, string> }
  resource_server: { identifier: string }
  request: {
    body: Record<string, unknown>
    ip: string
    method: string
    hostname: string
    user_agent: string | undefined
  }
  organization?: {
    id: string
    name: string
    display_name: string
    metadata: Record<string, string>
  }
  transaction: { requested_scopes: string[] }
  accessToken: { scope: string[]; customClaims: Record<string, unknown> }
  secrets: Record<string, string>
  tenant: { id: string }
}

type Handler = (event: CredentialsExchangeEvent, api: unknown) => unknown

const DENY_CODES = new Set(['invalid_scope', 'invalid_request', 'server_error'])
/** Claims an action may not set: the token's own. */
const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'azp',
  'scope',
  'gty',
])

/**
 * Runs the credentials-exchange Actions in order, as Auth0 does: each gets the
 * `event` and an `api` (`access.deny`, `accessToken.setCustomClaim`, `cache`);
 * a denial stops the chain; an action that throws or runs past `timeoutMs`
 * fails the exchange. Modules are imported once and may export the handler as
 * ESM or CommonJS (`exports.onExecuteCredentialsExchange`).
 */
export function createActionRunner(actions: CredentialsExchangeAction[], timeoutMs = 5_000) {
  const handlers = new Map<string, Promise<Handler>>()
  const caches = new Map<string, Map<string, { value: string; expiresAt: number }>>()

  function load(action: CredentialsExchangeAction): Promise<Handler> {
    let handler = handlers.get(action.name)
    if (!handler) {
      handler = import(pathToFileURL(action.modulePath).href).then((mod) => {
        const fn = mod.onExecuteCredentialsExchange ?? mod.default?.onExecuteCredentialsExchange
        if (typeof fn !== 'function') {
          throw new Error(`${action.modulePath} exports no onExecuteCredentialsExchange`)
        }
        return fn as Handler
      })
      handlers.set(action.name, handler)
    }
    return handler
  }

  function cacheFor(actionName: string) {
    let cache = caches.get(actionName)
    if (!cache) {
      cache = new Map()
      caches.set(actionName, cache)
    }
    const store = cache
    return {
      get(key: string) {
        const entry = store.get(key)
        if (!entry || entry.expiresAt < Date.now()) return undefined
        return { value: entry.value }
      },
      set(key: string, value: string, options?: { ttl?: number }) {
        store.set(key, { value: String(value), expiresAt: Date.now() + (options?.ttl ?? 900_000) })
        return { type: 'success' }
      },
      delete(key: string) {
        store.delete(key)
        return { type: 'success' }
      },
    }
  }

  return async function run(
    base: Omit<CredentialsExchangeEvent, 'secrets' | 'accessToken'> & { grantedScopes: string[] },
  ): Promise<ActionOutcome> {
    const customClaims: Record<string, unknown> = {}
    for (const action of actions) {
      let denied: { code: string; reason: string } | undefined
      const api = {
        access: {
          deny(code: string, reason: string) {
            denied = {
              code: DENY_CODES.has(code) ? code : 'invalid_request',
              reason: String(reason ?? ''),
            }
          },
        },
        accessToken: {
          setCustomClaim(name: string, value: unknown) {
            if (typeof name === 'string' && !RESERVED_CLAIMS.has(name)) customClaims[name] = value
          },
        },
        cache: cacheFor(action.name),
      }
      const { grantedScopes, ...rest } = base
      const event: CredentialsExchangeEvent = {
        ...rest,
        accessToken: { scope: [...grantedScopes], customClaims: { ...customClaims } },
        secrets: { ...action.secrets },
      }
      let timer: NodeJS.Timeout | undefined
      try {
        const handler = await load(action)
        await Promise.race([
          Promise.resolve(handler(event, api)),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`timed out after ${timeoutMs} ms`)),
              timeoutMs,
            )
          }),
        ])
      } catch (error) {
        return { kind: 'failed', action: action.name, error }
      } finally {
        clearTimeout(timer)
      }
      if (denied) return { kind: 'deny', ...denied }
    }
    return { kind: 'allow', customClaims }
  }
}

/** The event's organization, in the Action's shape. */
export function organizationForEvent(org: Organization | undefined) {
  return org
    ? { id: org.id, name: org.name, display_name: org.display_name, metadata: { ...org.metadata } }
    : undefined
}

/** The event's client, in the Action's shape. */
export function clientForEvent(client: Client) {
  return { client_id: client.client_id, name: client.name, metadata: { ...client.client_metadata } }
}

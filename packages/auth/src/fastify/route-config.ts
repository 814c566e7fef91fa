import type { FastifyContextConfig, FastifyRequest } from 'fastify'

type RouteConfig = FastifyContextConfig & { url?: string; method?: string | string[] }
type WithContexts = Record<symbol, { config?: RouteConfig } | undefined>

/** Where Fastify keeps a request's route context: `undefined` until looked for, `null` if not found. */
let contextKey: symbol | null | undefined

/**
 * A request's route `config`, the very object `request.routeOptions.config`
 * gives, without what reading it costs in a hook that runs on every request:
 * Fastify's `routeOptions` getter builds a new twelve-field object on each
 * read (and asks the router about version constraints), garbage left behind
 * by every request. The config lives on the request's route context, under a
 * symbol Fastify does not export (`fastify.context`): it is found on the first
 * request, and used only if its context holds the same config `routeOptions`
 * gives. With a Fastify where it is not, every read goes through
 * `routeOptions`: slower, never different.
 */
export function routeConfig(request: FastifyRequest): RouteConfig {
  if (contextKey === undefined) contextKey = findContextKey(request)
  if (contextKey !== null) {
    const config = (request as unknown as WithContexts)[contextKey]?.config
    if (config !== undefined) return config
  }
  return request.routeOptions.config as RouteConfig
}

function findContextKey(request: FastifyRequest): symbol | null {
  const key = Object.getOwnPropertySymbols(request).find(
    (symbol) => symbol.description === 'fastify.context',
  )
  if (key === undefined) return null
  const config = (request as unknown as WithContexts)[key]?.config
  return config !== undefined && config === request.routeOptions.config ? key : null
}

/** True when `routeConfig` reads the route context directly (for a test that notices a Fastify upgrade). */
export function routeConfigIsDirect(): boolean {
  return typeof contextKey === 'symbol'
}

import { InvalidOptionError } from '../errors.js'
import { formatScopes, hasAllScopes, hasAnyScope, isScopeToken, type ScopeSet } from '../scopes.js'
import { type DpopMode, isDpopMode } from './dpop-mode.js'

/**
 * The scopes a route requires, in `config.scopes`:
 * - `['a', 'b']` or `{ allOf: ['a', 'b'] }`: the token needs every one;
 * - `{ anyOf: ['a', 'b'] }`: the token needs at least one.
 *
 * An empty list (`[]`, `{ allOf: [] }`) asks for a valid token and no scope.
 */
export type RouteScopes =
  | readonly string[]
  | { readonly allOf: readonly string[] }
  | { readonly anyOf: readonly string[] }

/** A scope rule in normal form. */
export interface ScopeRule {
  readonly match: 'all' | 'any'
  readonly scopes: readonly string[]
}

/** What a route asks of a request, computed once per route. */
export type RouteRequirement =
  | { readonly public: true }
  | {
      readonly public: false
      readonly rule: ScopeRule
      /** The `scope` attribute of an `insufficient_scope` challenge. */
      readonly scopeAttribute: string
      /** Whether the route takes Bearer tokens, DPoP-bound ones, or both. */
      readonly dpop: DpopMode
    }

/** What a route gets when its `config` does not say. */
export interface RouteDefaults {
  readonly rule: ScopeRule
  readonly dpop: DpopMode
}

const PUBLIC: RouteRequirement = Object.freeze({ public: true })

/**
 * Normalizes a `RouteScopes` value, throwing `InvalidOptionError` naming
 * `where` when it is not one of the accepted forms or holds an invalid scope.
 */
export function toScopeRule(value: unknown, where: string): ScopeRule {
  const expected = `${where} must be a list of scopes, { allOf: [...] } or { anyOf: [...] }`
  let match: ScopeRule['match']
  let list: unknown
  if (Array.isArray(value)) {
    match = 'all'
    list = value
  } else if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value)
    if (keys.length !== 1 || (keys[0] !== 'allOf' && keys[0] !== 'anyOf')) {
      throw new InvalidOptionError(expected)
    }
    match = keys[0] === 'allOf' ? 'all' : 'any'
    list = (value as Record<string, unknown>)[keys[0]]
    if (!Array.isArray(list)) throw new InvalidOptionError(expected)
  } else {
    throw new InvalidOptionError(expected)
  }
  const scopes: string[] = []
  for (const scope of list as unknown[]) {
    if (typeof scope !== 'string' || !isScopeToken(scope)) {
      throw new InvalidOptionError(`${where} holds an invalid scope: ${JSON.stringify(scope)}`)
    }
    if (!scopes.includes(scope)) scopes.push(scope)
  }
  if (match === 'any' && scopes.length === 0) {
    throw new InvalidOptionError(`${where}.anyOf must name at least one scope`)
  }
  return Object.freeze({ match, scopes: Object.freeze(scopes) })
}

/**
 * Reads a route's `config.auth`, `config.scopes` and `config.dpop` into a
 * requirement. `auth: false` makes the route public; a route without `scopes`
 * or `dpop` gets the plugin's. Throws `InvalidOptionError` naming the route (`where`).
 */
export function resolveRouteRequirement(
  config: unknown,
  defaults: RouteDefaults,
  where: string,
): RouteRequirement {
  const { auth, scopes, dpop } = (config ?? {}) as {
    auth?: unknown
    scopes?: unknown
    dpop?: unknown
  }
  if (auth !== undefined && typeof auth !== 'boolean') {
    throw new InvalidOptionError(`${where}: config.auth must be a boolean`)
  }
  if (auth === false) {
    if (scopes !== undefined) {
      throw new InvalidOptionError(`${where}: a route with config.auth false cannot declare scopes`)
    }
    if (dpop !== undefined) {
      throw new InvalidOptionError(`${where}: a route with config.auth false cannot declare dpop`)
    }
    return PUBLIC
  }
  if (dpop !== undefined && !isDpopMode(dpop)) {
    throw new InvalidOptionError(
      `${where}: config.dpop must be 'allowed', 'required' or 'disabled'`,
    )
  }
  const rule = scopes === undefined ? defaults.rule : toScopeRule(scopes, `${where}: config.scopes`)
  return Object.freeze({
    public: false,
    rule,
    scopeAttribute: formatScopes(rule.scopes),
    dpop: dpop ?? defaults.dpop,
  })
}

/** True when `granted` satisfies `rule`. */
export function satisfiesRule(rule: ScopeRule, granted: ScopeSet): boolean {
  return rule.match === 'all'
    ? hasAllScopes(granted, rule.scopes)
    : hasAnyScope(granted, rule.scopes)
}

/** What the token lacks, for the `insufficient_scope` description. */
export function describeShortfall(rule: ScopeRule, granted: ScopeSet): string {
  if (rule.match === 'any') return `one of ${rule.scopes.join(' ')}`
  return rule.scopes.filter((scope) => !granted.has(scope)).join(' ')
}

/** An OpenAPI 3 security requirement: scheme name to scopes. */
export type SecurityRequirement = Record<string, string[]>

/**
 * The OpenAPI `security` of a route. Requirement objects in the list are
 * alternatives and the scopes inside one are all needed, so all-of scopes are
 * one object and any-of scopes one object per scope. A public route gets
 * `[]`, which overrides any document-wide security.
 *
 * @see https://spec.openapis.org/oas/v3.1.0#security-requirement-object
 */
export function openApiSecurity(
  requirement: RouteRequirement,
  schemeName: string,
): SecurityRequirement[] {
  if (requirement.public) return []
  const { match, scopes } = requirement.rule
  if (match === 'any') return scopes.map((scope) => ({ [schemeName]: [scope] }))
  return [{ [schemeName]: [...scopes] }]
}

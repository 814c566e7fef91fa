/**
 * Scope handling (RFC 6749 §3.3): a scope is a space-delimited list of
 * case-sensitive tokens. Matching is exact: `geocode:location2` does not
 * satisfy `geocode:location`.
 */

/** A set of scopes, as granted by a token. */
export type ScopeSet = ReadonlySet<string>

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** True when `value` is a syntactically valid single scope token. */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value)
}

/**
 * Parses a scope claim into a set. Accepts the space-delimited string form
 * (Auth0's `scope` claim) and the array form some servers use (`scp`).
 * Anything else yields an empty set.
 */
export function parseScopes(value: unknown): ScopeSet {
  if (typeof value === 'string') {
    return new Set(value.split(' ').filter((s) => s.length > 0))
  }
  if (Array.isArray(value)) {
    return new Set(value.filter((s): s is string => typeof s === 'string' && s.length > 0))
  }
  return new Set()
}

/**
 * Formats scopes as the space-delimited wire form, de-duplicated, in the
 * order first given. Throws on a value that is not a valid scope token.
 */
export function formatScopes(scopes: string | Iterable<string>): string {
  const list = typeof scopes === 'string' ? scopes.split(' ') : [...scopes]
  const out: string[] = []
  for (const scope of list) {
    if (scope === '') continue
    if (!isScopeToken(scope)) {
      throw new TypeError(`Invalid scope token: ${JSON.stringify(scope)}`)
    }
    if (!out.includes(scope)) out.push(scope)
  }
  return out.join(' ')
}

/** True when `granted` holds every one of `required` (an empty list is satisfied). */
export function hasAllScopes(granted: ScopeSet, required: Iterable<string>): boolean {
  // Arrays by index: the plugin checks a route's scope list on every request,
  // and `for…of` made an iterator object each time.
  if (Array.isArray(required)) {
    for (let i = 0; i < required.length; i++) if (!granted.has(required[i])) return false
    return true
  }
  for (const scope of required) {
    if (!granted.has(scope)) return false
  }
  return true
}

/** True when `granted` holds at least one of `required` (an empty list is satisfied). */
export function hasAnyScope(granted: ScopeSet, required: Iterable<string>): boolean {
  if (Array.isArray(required)) {
    for (let i = 0; i < required.length; i++) if (granted.has(required[i])) return true
    return required.length === 0
  }
  let empty = true
  for (const scope of required) {
    empty = false
    if (granted.has(scope)) return true
  }
  return empty
}

/** The scopes of `required` that `granted` lacks. */
export function missingScopes(granted: ScopeSet, required: Iterable<string>): string[] {
  return [...required].filter((scope) => !granted.has(scope))
}

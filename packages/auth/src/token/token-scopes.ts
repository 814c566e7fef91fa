import { formatScopes } from '../scopes.js'

/**
 * Scopes on the client side of the exchange. A provider holds one token per
 * (audience, organization): callers that need different scopes are served from
 * it when it carries them all, and a token that lacks one is replaced by one
 * asked for the union of what it had and what is needed. Auth0 grants every
 * scope of the client grant whatever is asked, so N scope variants cost one
 * exchange; a server that grants only what is asked converges on the union.
 */

/** Scopes a call needs, parsed once per distinct string. */
export interface ScopeNeeds {
  /** Distinct scopes, in the order first given; empty when none are needed. */
  readonly list: readonly string[]
}

const NONE: ScopeNeeds = Object.freeze({ list: [] })
const PARSED_LIMIT = 256

/**
 * What a call needs: the provider's own `scope` plus the call's. Parsed with a
 * small memo: the same few values are asked on every call, and the hot path
 * must not split strings each time. Throws on an invalid scope token.
 */
export function createScopeNeeds(always: string | undefined) {
  const base = toNeeds(always ?? '')
  const parsed = new Map<string, ScopeNeeds>()
  return (value: string | readonly string[] | undefined): ScopeNeeds => {
    if (value === undefined) return base
    const text = typeof value === 'string' ? value : value.join(' ')
    let needs = parsed.get(text)
    if (!needs) {
      needs = toNeeds(`${base.list.join(' ')} ${text}`)
      if (parsed.size >= PARSED_LIMIT) parsed.clear()
      parsed.set(text, needs)
    }
    return needs
  }
}

function toNeeds(text: string): ScopeNeeds {
  const list = formatScopes(text)
    .split(' ')
    .filter((s) => s !== '')
  return list.length === 0 ? NONE : Object.freeze({ list })
}

/** The union, or `undefined` when empty (no `scope` parameter: all of the grant). */
export function scopeUnion(...parts: ReadonlyArray<readonly string[]>): string | undefined {
  const out: string[] = []
  for (const list of parts) for (const scope of list) if (!out.includes(scope)) out.push(scope)
  return out.length === 0 ? undefined : out.join(' ')
}

/**
 * The needed scopes a granted `scope` lacks; `undefined` (the server did not
 * say) lacks none. Remembers the last granted value: it is the cached token's,
 * the same on every call until the token changes.
 */
export function createScopeCoverage() {
  let lastGranted: string | undefined
  let lastSet: ReadonlySet<string> = new Set()
  return (granted: string | undefined, needs: ScopeNeeds): readonly string[] => {
    if (granted === undefined || needs.list.length === 0) return []
    if (granted !== lastGranted) {
      lastGranted = granted
      lastSet = new Set(granted.split(' '))
    }
    const have = lastSet
    for (const scope of needs.list) {
      if (!have.has(scope)) return needs.list.filter((s) => !have.has(s))
    }
    return NO_MISSING
  }
}
const NO_MISSING: readonly string[] = Object.freeze([])

/** Whether a request for `asked` scopes would ask at least for all of `failed`. */
export function asksAtLeast(asked: string | undefined, failed: string | undefined): boolean {
  if (failed === undefined) return true
  if (asked === undefined) return false
  const have = asked.split(' ')
  return failed.split(' ').every((scope) => have.includes(scope))
}

/**
 * Auth0 fields that the local tenant takes on an entity (client, API,
 * organization, tenant settings) without acting on them: accepted with any
 * JSON value, kept in the entity's `auth0_fields`, returned as given.
 */

/** JSON Schema properties that accept each of `names` with any JSON value. */
export function storedFieldsSchema(names: readonly string[]): Record<string, object> {
  return Object.fromEntries(names.map((name) => [name, {}]))
}

/** Splits a body into the fields of `names` and the rest. */
export function splitStoredFields<T extends Record<string, unknown>>(
  body: T,
  names: readonly string[],
): { stored: Record<string, unknown>; modelled: Partial<T> } {
  const stored: Record<string, unknown> = {}
  const modelled: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) {
    if (names.includes(key)) stored[key] = value
    else modelled[key] = value
  }
  return { stored, modelled: modelled as Partial<T> }
}

/**
 * `{ auth0_fields }` after a create or an update: `stored` over `current`, as
 * Auth0's PATCH replaces each top-level field it is given and `null` clears
 * one; `{}` when nothing is left or nothing was given.
 */
export function withStoredFields(
  stored: Record<string, unknown>,
  current?: Record<string, unknown>,
): { auth0_fields?: Record<string, unknown> } {
  if (Object.keys(stored).length === 0) return {}
  const kept = Object.fromEntries(
    Object.entries({ ...current, ...stored }).filter(([, value]) => value !== null),
  )
  return { auth0_fields: kept }
}

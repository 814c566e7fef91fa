/**
 * Auth0's `fields` and `include_fields` query parameters: `fields` lists
 * top-level fields (comma-separated); with `include_fields` true (the
 * default) only those are returned, with false all but those. Names that an
 * entry does not have are ignored, as Auth0 does.
 */
export const fieldsQuerySchema = {
  fields: {
    type: 'string',
    maxLength: 2_000,
    pattern: '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$',
  },
  include_fields: { type: 'boolean', default: true },
} as const

export interface FieldsQuery {
  fields?: string
  include_fields: boolean
}

/** `item` with only (or without) the fields the query names; itself when it names none. */
export function selectFields<T extends object>(item: T, query: FieldsQuery): Partial<T> {
  if (query.fields === undefined) return item
  const named = new Set(query.fields.split(','))
  return Object.fromEntries(
    Object.entries(item).filter(([key]) => named.has(key) === query.include_fields),
  ) as Partial<T>
}

/** JSON Schemas the Management API routes share. */

/** `:id` path parameters of at most `maxLength` characters. */
export function idParams(maxLength: number) {
  return {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', minLength: 1, maxLength } },
  } as const
}

/** A PATCH body: some of `properties`, at least one, nothing else (Auth0 refuses unknown fields). */
export function patchBody<P extends Record<string, object>>(properties: P) {
  return { type: 'object', additionalProperties: false, minProperties: 1, properties } as const
}

import { Ajv, type ErrorObject } from 'ajv'
import type { DocumentPath } from './keyword-replace.js'
import { type SchemaNode, type TenantDocument, tenantDocumentSchema } from './tenant-schema.js'

/**
 * Keeps only what the schema describes: properties it lists, every property of
 * an object whose `additionalProperties` is a schema or `true`, array items.
 * Values of the wrong type are kept as they are, for validation to report.
 * `__proto__` keys are always dropped.
 */
export function pruneToSchema(value: unknown, schema: SchemaNode): unknown {
  if (Array.isArray(value)) {
    const items = schema.items
    return items ? value.map((item) => pruneToSchema(item, items)) : value
  }
  if (value === null || typeof value !== 'object' || schema.type !== 'object') return value

  const { properties = {}, additionalProperties } = schema
  const kept: Array<[string, unknown]> = []
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__') continue
    const propertySchema = Object.hasOwn(properties, key) ? properties[key] : undefined
    if (propertySchema) kept.push([key, pruneToSchema(item, propertySchema)])
    else if (additionalProperties === true) kept.push([key, item])
    else if (additionalProperties) kept.push([key, pruneToSchema(item, additionalProperties)])
  }
  return Object.fromEntries(kept)
}

/** A schema violation: where, and what is wrong (the path is not formatted yet). */
export interface SchemaProblem {
  path: DocumentPath
  message: string
}

const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  strict: true,
  keywords: ['x-hint'],
})
const validate = ajv.compile<TenantDocument>(tenantDocumentSchema)

/** Value checks whose message shows the offending value (never used on secrets). */
const SHOWS_VALUE = new Set(['maximum', 'minimum'])

/**
 * Validates a pruned, keyword-replaced document. Returns every problem, each
 * with the path of the offending field (for `required`: the missing field).
 */
export function validateTenantDocument(
  document: unknown,
): { ok: true; document: TenantDocument } | { ok: false; problems: SchemaProblem[] } {
  if (validate(document)) return { ok: true, document }
  return { ok: false, problems: (validate.errors ?? []).map(toProblem) }
}

function toProblem(error: ErrorObject): SchemaProblem {
  const path: Array<string | number> = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(?:0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment))

  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty
    return { path: [...path, missing], message: 'is required' }
  }
  if (error.keyword === 'type') return { path, message: error.message ?? 'has the wrong type' }

  const hint = (error.parentSchema as SchemaNode | undefined)?.['x-hint']
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) =>
      JSON.stringify(v),
    )
    const expected = allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`
    const message = `must be ${expected} (got ${preview(error.data)})`
    return { path, message: hint ? `${message}: ${hint}` : message }
  }
  if (SHOWS_VALUE.has(error.keyword)) {
    return { path, message: `${error.message} (got ${preview(error.data)})` }
  }
  return { path, message: hint ?? error.message ?? 'is invalid' }
}

function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value)
  return json.length > 60 ? `${json.slice(0, 57)}...` : json
}

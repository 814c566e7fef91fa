import type { FastifyInstance, FastifySchemaValidationError } from 'fastify'

/**
 * Validation messages that name the offending field. Ajv's own text for an
 * unknown property ("body must NOT have additional properties") does not say
 * which one; every other message already carries the field's path.
 */
export function nameFieldsInSchemaErrors(app: FastifyInstance): void {
  app.setSchemaErrorFormatter((errors: FastifySchemaValidationError[], dataVar: string) => {
    const [first] = errors
    if (!first) return new Error(`${dataVar} is invalid`)
    const path = `${dataVar}${first.instancePath}`
    const unknown = (first.params as { additionalProperty?: unknown }).additionalProperty
    if (first.keyword === 'additionalProperties' && typeof unknown === 'string') {
      return new Error(`${path} must not have the property "${unknown}"`)
    }
    return new Error(`${path} ${first.message ?? 'is invalid'}`)
  })
}

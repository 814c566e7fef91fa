import type { FastifyInstance } from 'fastify'
import { ManagementError, SigningKeyInUseError, SigningKeyNotFoundError } from '../errors.js'
import type { KeyRing } from '../keys/key-ring.js'

const kidParams = {
  type: 'object',
  required: ['kid'],
  properties: { kid: { type: 'string', minLength: 1, maxLength: 128 } },
} as const

/** `/api/v2/keys/signing`: list, get one, rotate, revoke. */
export async function signingKeyRoutes(app: FastifyInstance, opts: { keys: KeyRing }) {
  const { keys } = opts

  app.get('/keys/signing', { config: { scopes: ['read:signing_keys'] } }, async () => keys.list())

  app.get(
    '/keys/signing/:kid',
    { config: { scopes: ['read:signing_keys'] }, schema: { params: kidParams } },
    async (request) => {
      const record = keys.get((request.params as { kid: string }).kid)
      if (!record)
        throw new ManagementError(404, 'inexistent_key', new SigningKeyNotFoundError().message)
      return record
    },
  )

  app.post(
    '/keys/signing/rotate',
    // Auth0 accepts either scope (its Management API checks any of a route's scopes).
    { config: { scopes: { anyOf: ['create:signing_keys', 'update:signing_keys'] } } },
    async (_request, reply) => {
      const { kid } = await keys.rotate()
      return reply.code(201).send({ cert: keys.get(kid)?.cert, kid })
    },
  )

  app.put(
    '/keys/signing/:kid/revoke',
    {
      config: { scopes: ['update:signing_keys'] },
      schema: { params: kidParams },
    },
    async (request) => {
      try {
        const record = await keys.revoke((request.params as { kid: string }).kid)
        return { cert: record.cert, kid: record.kid }
      } catch (error) {
        if (error instanceof SigningKeyNotFoundError) {
          throw new ManagementError(404, 'inexistent_key', error.message)
        }
        if (error instanceof SigningKeyInUseError) {
          throw new ManagementError(400, 'invalid_body', error.message)
        }
        throw error
      }
    },
  )
}

import type { FastifyInstance } from 'fastify'
import { ManagementError, SigningKeyInUseError, SigningKeyNotFoundError } from '../errors.js'
import type { KeyRing } from '../keys/key-ring.js'

/** `/api/v2/keys/signing`: list, rotate, revoke. */
export async function signingKeyRoutes(app: FastifyInstance, opts: { keys: KeyRing }) {
  const { keys } = opts

  app.get('/keys/signing', { config: { scopes: ['read:signing_keys'] } }, async () => keys.list())

  app.post(
    '/keys/signing/rotate',
    { config: { scopes: ['create:signing_keys', 'update:signing_keys'] } },
    async (_request, reply) => {
      const { kid } = await keys.rotate()
      const record = keys.list().find((k) => k.kid === kid)
      return reply.code(201).send({ cert: record?.cert, kid })
    },
  )

  app.put(
    '/keys/signing/:kid/revoke',
    {
      config: { scopes: ['update:signing_keys'] },
      schema: {
        params: {
          type: 'object',
          required: ['kid'],
          properties: { kid: { type: 'string', minLength: 1 } },
        },
      },
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

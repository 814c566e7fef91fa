import type { FastifyInstance } from 'fastify'
import type { TenantState } from '../state/tenant-state.js'
import { type FieldsQuery, fieldsQuerySchema, selectFields } from './fields.js'
import { type PagingQuery, page, pagingQuerySchema } from './paging.js'

/** `GET /api/v2/users`: the tenant file's local `users` section. */
export async function userRoutes(app: FastifyInstance, opts: { state: TenantState }) {
  app.get(
    '/users',
    {
      config: { scopes: ['read:users'] },
      schema: {
        querystring: {
          type: 'object',
          properties: { ...pagingQuerySchema, ...fieldsQuerySchema },
        },
      },
    },
    // A local users section may carry anything; passwords never leave the server.
    async (request) => {
      const query = request.query as PagingQuery & FieldsQuery
      return page(
        opts.state.users.map(({ password: _password, ...user }) => selectFields(user, query)),
        query,
        'users',
      )
    },
  )
}

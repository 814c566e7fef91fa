import type { FastifyInstance } from 'fastify'
import type { TenantState } from '../state/tenant-state.js'
import { notFound } from './management-error.js'
import { type PagingQuery, page, pagingQuerySchema } from './paging.js'

/** `/api/v2/resource-servers`: list, and get by id or identifier (as Auth0 accepts both). */
export async function resourceServerRoutes(app: FastifyInstance, opts: { state: TenantState }) {
  const { state } = opts

  app.get(
    '/resource-servers',
    {
      config: { scopes: ['read:resource_servers'] },
      schema: { querystring: { type: 'object', properties: { ...pagingQuerySchema } } },
    },
    async (request) =>
      page(state.resourceServers, request.query as PagingQuery, 'resource_servers'),
  )

  app.get(
    '/resource-servers/:id',
    {
      config: { scopes: ['read:resource_servers'] },
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1 } },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string }
      const api = state.resourceServer(id) ?? state.resourceServerByIdentifier(id)
      if (!api) throw notFound('resource server', 'inexistent_resource_server')
      return api
    },
  )
}

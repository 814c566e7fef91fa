import type { FastifyInstance } from 'fastify'
import type { LogStore } from '../logs/log-store.js'
import { badBody } from './management-error.js'
import { type PagingQuery, pagingQuerySchema } from './paging.js'

const FILTERS = /^\s*(type|client_id):("?)([\w.@-]+)\2\s*$/

/**
 * `GET /api/v2/logs`: page mode (newest first, `page`/`per_page`/`include_totals`)
 * or checkpoint mode (`from`/`take`, oldest first); `q` takes Lucene-style
 * `type:seccft`, `client_id:...`, joined with AND.
 */
export async function logRoutes(app: FastifyInstance, opts: { logs: LogStore }) {
  app.get(
    '/logs',
    {
      config: { scopes: ['read:logs'] },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            ...pagingQuerySchema,
            q: { type: 'string', maxLength: 256 },
            from: { type: 'string', maxLength: 64 },
            take: { type: 'integer', minimum: 1, maximum: 100 },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as PagingQuery & { q?: string; from?: string; take?: number }
      const filters: { type?: string; clientId?: string } = {}
      if (query.q) {
        for (const term of query.q.split(/\s+AND\s+/)) {
          const match = FILTERS.exec(term)
          if (!match)
            throw badBody(
              `unsupported q term ${JSON.stringify(term)}: use type:<code> or client_id:<id>`,
            )
          if (match[1] === 'type') filters.type = match[3]
          else filters.clientId = match[3]
        }
      }
      const result = opts.logs.query({
        page: query.page,
        perPage: query.per_page,
        ...filters,
        ...(query.from !== undefined ? { from: query.from, take: query.take ?? 50 } : {}),
      })
      if (!query.include_totals || query.from !== undefined) return result.logs
      return {
        start: query.page * query.per_page,
        limit: query.per_page,
        length: result.logs.length,
        total: result.total,
        logs: result.logs,
      }
    },
  )
}

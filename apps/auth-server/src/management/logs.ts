import type { FastifyInstance } from 'fastify'
import { ManagementError } from '../errors.js'
import { compileLogSearch, LogSearchError } from '../logs/log-search.js'
import type { LogEvent, LogStore } from '../logs/log-store.js'
import { type PagingQuery, pagingQuerySchema } from './paging.js'

/**
 * `GET /api/v2/logs`: page mode (newest first, `page`/`per_page`/`include_totals`)
 * or checkpoint mode (`from`/`take`, oldest first); `q` is Auth0's Lucene
 * subset (see log-search.ts): `type:(seccft OR feccft) AND client_id:"…"`,
 * `date:[2026-12-01 TO 2026-12-05]`.
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
            q: { type: 'string', maxLength: 1_000 },
            from: { type: 'string', maxLength: 64 },
            take: { type: 'integer', minimum: 1, maximum: 100 },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as PagingQuery & { q?: string; from?: string; take?: number }
      let match: ((event: LogEvent) => boolean) | undefined
      if (query.q) {
        try {
          match = compileLogSearch(query.q)
        } catch (error) {
          if (!(error instanceof LogSearchError)) throw error
          throw new ManagementError(
            400,
            'invalid_query_string',
            `Query validation error: ${error.message}`,
          )
        }
      }
      const result = opts.logs.query({
        page: query.page,
        perPage: query.per_page,
        ...(match ? { match } : {}),
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

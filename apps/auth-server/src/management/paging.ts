/** Auth0's paging query: `page` (from 0), `per_page` (max 100), `include_totals`. */
export const pagingQuerySchema = {
  page: { type: 'integer', minimum: 0, default: 0 },
  per_page: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
  include_totals: { type: 'boolean', default: false },
} as const

export interface PagingQuery {
  page: number
  per_page: number
  include_totals: boolean
}

/**
 * One page of `items`: a bare array, or with `include_totals`
 * `{ start, limit, length, total, [key]: items }` as Auth0 answers.
 */
export function page<T>(items: readonly T[], query: PagingQuery, key: string) {
  const start = query.page * query.per_page
  const slice = items.slice(start, start + query.per_page)
  if (!query.include_totals) return slice
  return { start, limit: query.per_page, length: slice.length, total: items.length, [key]: slice }
}

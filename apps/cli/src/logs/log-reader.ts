import { CliError, ExitCode } from '../errors.js'
import { type ApiClient, httpError, parseJson } from '../http/api-client.js'
import { isLogEventList, type LogEvent } from './log-event.js'

export interface LogFilter {
  type?: string
  clientId?: string
  /** Only token quota events: consumption warnings and exchanges refused for a spent quota. */
  quota?: boolean
}

/**
 * Auth0's quota events: the `token_quota_consumption_warning` type, and the
 * failed exchanges whose description is one of its quota refusals.
 */
const QUOTA_EVENTS =
  '(type:token_quota_consumption_warning OR (type:feccft AND (description:"Client quota exceeded" OR description:"Organization quota exceeded" OR description:Machine*)))'

/** Reads `GET <issuer>api/v2/logs` in Auth0's two paging modes. */
export function createLogReader(client: ApiClient, issuer: string, filter: LogFilter) {
  const q = [
    ...(filter.quota ? [QUOTA_EVENTS] : []),
    ...(filter.type ? [`type:${filter.type}`] : []),
    ...(filter.clientId ? [`client_id:"${filter.clientId}"`] : []),
  ].join(' AND ')

  async function get(params: Record<string, string>, signal?: AbortSignal): Promise<LogEvent[]> {
    const url = new URL('api/v2/logs', issuer)
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
    if (q) url.searchParams.set('q', q)
    const req = { method: 'GET', url, ...(signal ? { signal } : {}) }
    const res = await client.send(req)
    if (res.status >= 400) throw httpError(req, res)
    const body = parseJson(req, res)
    if (!isLogEventList(body)) {
      throw new CliError(
        `GET ${url.href} answered something that is not a list of log events`,
        ExitCode.REMOTE,
      )
    }
    return body
  }

  return {
    /** The `count` newest events, oldest first. */
    async latest(count: number, signal?: AbortSignal): Promise<LogEvent[]> {
      const page = await get({ page: '0', per_page: String(count) }, signal)
      return page.reverse()
    },
    /** Up to `take` events after `logId`, oldest first (checkpoint paging). */
    after(logId: string, take: number, signal?: AbortSignal): Promise<LogEvent[]> {
      return get({ from: logId, take: String(take) }, signal)
    },
  }
}

export type LogReader = ReturnType<typeof createLogReader>

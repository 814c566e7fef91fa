import { randomBytes } from 'node:crypto'

/** A tenant log event, as Auth0's `GET /api/v2/logs` returns it. */
export interface LogEvent {
  log_id: string
  date: string
  /** `seccft`: success exchange (client credentials); `feccft`: failed one. */
  type: 'seccft' | 'feccft'
  description: string
  client_id?: string
  client_name?: string
  audience?: string
  scope?: string
  ip?: string
  user_agent?: string
  hostname?: string
  details?: Record<string, unknown>
}

export interface LogQuery {
  page: number
  perPage: number
  /** Only this event type (`q=type:seccft`). */
  type?: string
  clientId?: string
  /** Checkpoint paging: events after this log_id. */
  from?: string
  take?: number
}

/** The tenant's recent log events, newest last, bounded. */
export function createLogStore(max = 10_000) {
  const events: LogEvent[] = []
  let sequence = 0

  return {
    add(event: Omit<LogEvent, 'log_id' | 'date'>): LogEvent {
      // Ids sort in time order, as Auth0's checkpoint paging relies on.
      const id = `${(++sequence).toString().padStart(12, '0')}${randomBytes(6).toString('hex')}`
      const record: LogEvent = { log_id: id, date: new Date().toISOString(), ...event }
      events.push(record)
      if (events.length > max) events.splice(0, events.length - max)
      return record
    },
    /** Page mode: newest first. Checkpoint mode (`from`): oldest first after `from`. */
    query(query: LogQuery): { logs: LogEvent[]; total: number } {
      const matching = events.filter(
        (e) =>
          (!query.type || e.type === query.type) &&
          (!query.clientId || e.client_id === query.clientId),
      )
      if (query.from !== undefined) {
        const from = query.from
        const after = matching.filter((e) => e.log_id > from)
        return { logs: after.slice(0, query.take ?? 50), total: after.length }
      }
      const newestFirst = matching.slice().reverse()
      const start = query.page * query.perPage
      return { logs: newestFirst.slice(start, start + query.perPage), total: matching.length }
    },
  }
}

export type LogStore = ReturnType<typeof createLogStore>

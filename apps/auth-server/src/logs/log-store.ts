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

/** Random hex characters drawn ahead of time, 12 per log id: one CSPRNG call per 512 events. */
function createHexPool(charsPerDraw: number, draws = 512) {
  let pool = ''
  let at = 0
  return function next(): string {
    if (at === pool.length) {
      pool = randomBytes((charsPerDraw / 2) * draws).toString('hex')
      at = 0
    }
    at += charsPerDraw
    return pool.slice(at - charsPerDraw, at)
  }
}

/**
 * The tenant's recent log events, newest last, bounded: a ring of `max`
 * slots, so adding an event costs the same whether the store is full or not
 * (it is written on every exchange, on the token endpoint's hot path).
 */
export function createLogStore(max = 10_000) {
  if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer')
  const ring: LogEvent[] = []
  let oldest = 0
  let sequence = 0
  const randomSuffix = createHexPool(12)

  /** Oldest first. */
  function events(): LogEvent[] {
    return oldest === 0 ? ring.slice() : [...ring.slice(oldest), ...ring.slice(0, oldest)]
  }

  return {
    add(event: Omit<LogEvent, 'log_id' | 'date'>): LogEvent {
      // Ids sort in time order, as Auth0's checkpoint paging relies on.
      const id = `${(++sequence).toString().padStart(12, '0')}${randomSuffix()}`
      const record: LogEvent = { log_id: id, date: new Date().toISOString(), ...event }
      if (ring.length < max) {
        ring.push(record)
      } else {
        ring[oldest] = record
        oldest = oldest + 1 === max ? 0 : oldest + 1
      }
      return record
    },
    /** Page mode: newest first. Checkpoint mode (`from`): oldest first after `from`. */
    query(query: LogQuery): { logs: LogEvent[]; total: number } {
      const matching = events().filter(
        (e) =>
          (!query.type || e.type === query.type) &&
          (!query.clientId || e.client_id === query.clientId),
      )
      if (query.from !== undefined) {
        const from = query.from
        const after = matching.filter((e) => e.log_id > from)
        return { logs: after.slice(0, query.take ?? 50), total: after.length }
      }
      const newestFirst = matching.reverse()
      const start = query.page * query.perPage
      return { logs: newestFirst.slice(start, start + query.perPage), total: matching.length }
    },
  }
}

export type LogStore = ReturnType<typeof createLogStore>

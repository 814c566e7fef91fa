import { randomBytes } from 'node:crypto'

/** A tenant log event, as Auth0's `GET /api/v2/logs` returns it. */
export interface LogEvent {
  log_id: string
  date: string
  /**
   * `seccft`: success exchange (client credentials); `feccft`: failed one;
   * `token_quota_consumption_warning`: a token quota reached 60, 80 or 100 %.
   */
  type: 'seccft' | 'feccft' | 'token_quota_consumption_warning'
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
  /** Only this event type. */
  type?: string
  clientId?: string
  /** Only events it accepts (a compiled `q`, see log-search.ts). */
  match?: (event: LogEvent) => boolean
  /** Checkpoint paging: events after this log_id. */
  from?: string
  take?: number
}

/** 48-bit random numbers drawn ahead of time: one CSPRNG call per 512 log ids. */
function createRandomPool(draws = 512) {
  let pool = Buffer.alloc(0)
  let at = 0
  return function next(): number {
    if (at === pool.length) {
      pool = randomBytes(6 * draws)
      at = 0
    }
    at += 6
    return pool.readUIntBE(at - 6, 6)
  }
}

type NewEvent = Omit<LogEvent, 'log_id' | 'date'>

/** What the ring holds: the event as given, and what its id and date are made of. */
interface Entry {
  sequence: number
  random: number
  at: number
  event: NewEvent
}

/** Ids sort in time order, as Auth0's checkpoint paging relies on. */
function logIdOf(entry: Entry): string {
  return `${entry.sequence.toString().padStart(12, '0')}${entry.random.toString(16).padStart(12, '0')}`
}

function toLogEvent(entry: Entry): LogEvent {
  return { log_id: logIdOf(entry), date: new Date(entry.at).toISOString(), ...entry.event }
}

/**
 * The tenant's recent log events, newest last, bounded: a ring of `max`
 * slots, so adding an event costs the same whether the store is full or not.
 * It is written on every exchange, on the token endpoint's hot path, so an
 * entry keeps only the event as given and the numbers its `log_id` and
 * `date` are made of; those strings are made when the logs are read.
 */
export function createLogStore(max = 10_000, now: () => number = Date.now) {
  if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer')
  const ring: Entry[] = []
  let oldest = 0
  let sequence = 0
  const nextRandom = createRandomPool()
  const listeners = new Set<(event: LogEvent) => void>()

  /** Oldest first. */
  function entries(): Entry[] {
    return oldest === 0 ? ring.slice() : [...ring.slice(oldest), ...ring.slice(0, oldest)]
  }

  return {
    add(event: NewEvent): void {
      const entry: Entry = { sequence: ++sequence, random: nextRandom(), at: now(), event }
      if (ring.length < max) {
        ring.push(entry)
      } else {
        ring[oldest] = entry
        oldest = oldest + 1 === max ? 0 : oldest + 1
      }
      if (listeners.size > 0) {
        const event = toLogEvent(entry)
        for (const listener of listeners) listener(event)
      }
    },
    /** Calls `listener` with every event added from now on (the dashboard's live log); returns the unsubscribe. */
    subscribe(listener: (event: LogEvent) => void): () => void {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    /** Page mode: newest first. Checkpoint mode (`from`): oldest first after `from`. */
    query(query: LogQuery): { logs: LogEvent[]; total: number } {
      const { match } = query
      const matching = entries().filter(
        (entry) =>
          (!query.type || entry.event.type === query.type) &&
          (!query.clientId || entry.event.client_id === query.clientId) &&
          (!match || match(toLogEvent(entry))),
      )
      if (query.from !== undefined) {
        const from = query.from
        const after = matching.filter((entry) => logIdOf(entry) > from)
        return { logs: after.slice(0, query.take ?? 50).map(toLogEvent), total: after.length }
      }
      const newestFirst = matching.reverse()
      const start = query.page * query.perPage
      return {
        logs: newestFirst.slice(start, start + query.perPage).map(toLogEvent),
        total: matching.length,
      }
    },
  }
}

export type LogStore = ReturnType<typeof createLogStore>

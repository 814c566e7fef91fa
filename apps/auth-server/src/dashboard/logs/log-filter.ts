import type { LogEvent } from '../../logs/log-store.js'
import { DASHBOARD_PREFIX } from '../layout.js'

export const OUTCOMES = ['all', 'issued', 'refused'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Which exchanges `/dashboard/logs` and its stream show; '' matches any. */
export interface LogFilter {
  client: string
  audience: string
  outcome: Outcome
}

export const NO_FILTER: LogFilter = Object.freeze({ client: '', audience: '', outcome: 'all' })

/** An exchange as the dashboard shows it: what the page's row holds, and the stream's `data:`. */
export interface ExchangeView {
  log_id: string
  date: string
  type: LogEvent['type']
  outcome: 'issued' | 'refused' | 'warning'
  client_id?: string
  client_name?: string
  audience?: string
  scope?: string
  /** The OAuth error of a refused exchange (`access_denied`, …). */
  error?: string
  description: string
}

const OUTCOME_OF: Record<LogEvent['type'], ExchangeView['outcome']> = {
  seccft: 'issued',
  feccft: 'refused',
  token_quota_consumption_warning: 'warning',
}
const EXCHANGE_TYPES = new Set(Object.keys(OUTCOME_OF))
const TYPE_OF_OUTCOME: Record<Exclude<Outcome, 'all'>, LogEvent['type']> = {
  issued: 'seccft',
  refused: 'feccft',
}
const isOutcome = (value: string): value is Outcome =>
  (OUTCOMES as readonly string[]).includes(value)
const LIMITS = { client: 255, audience: 1_000 } as const
const CONTROL = /\p{Cc}/u

/** The filter of a query string, or what is wrong with it (for a 400 that names the field). */
export function parseLogFilter(
  query: Record<string, unknown> | undefined,
): { ok: true; filter: LogFilter } | { ok: false; problem: string } {
  const values = { client: '', audience: '', outcome: '' }
  for (const name of ['client', 'audience', 'outcome'] as const) {
    const value = query?.[name] ?? ''
    if (typeof value !== 'string') return { ok: false, problem: `${name} must be given once.` }
    values[name] = value.trim()
  }
  for (const name of ['client', 'audience'] as const) {
    if (values[name].length > LIMITS[name]) {
      return { ok: false, problem: `${name} is longer than ${LIMITS[name]} characters.` }
    }
    if (CONTROL.test(values[name])) {
      return { ok: false, problem: `${name} contains control characters.` }
    }
  }
  const outcome = values.outcome || 'all'
  if (!isOutcome(outcome)) {
    return { ok: false, problem: 'outcome must be all, issued or refused.' }
  }
  return { ok: true, filter: { client: values.client, audience: values.audience, outcome } }
}

/** Whether an event is an exchange (or a quota warning) the filter lets through. */
export function exchangeMatcher(filter: LogFilter): (event: LogEvent) => boolean {
  const type = filter.outcome === 'all' ? undefined : TYPE_OF_OUTCOME[filter.outcome]
  return (event) =>
    EXCHANGE_TYPES.has(event.type) &&
    (type === undefined || event.type === type) &&
    (filter.client === '' || event.client_id === filter.client) &&
    (filter.audience === '' || event.audience === filter.audience)
}

/** The fields shown: no IP, user agent or details beyond the OAuth error. */
export function exchangeView(event: LogEvent): ExchangeView {
  const error = event.type === 'feccft' ? event.details?.error : undefined
  return {
    log_id: event.log_id,
    date: event.date,
    type: event.type,
    outcome: OUTCOME_OF[event.type],
    ...(event.client_id !== undefined ? { client_id: event.client_id } : {}),
    ...(event.client_name !== undefined ? { client_name: event.client_name } : {}),
    ...(event.audience !== undefined ? { audience: event.audience } : {}),
    ...(event.scope !== undefined ? { scope: event.scope } : {}),
    ...(typeof error === 'string' ? { error } : {}),
    description: event.description,
  }
}

/** The page and its stream, for a filter (all three parameters, always). */
export function logPaths(filter: LogFilter): { page: string; stream: string } {
  const query = new URLSearchParams({
    client: filter.client,
    audience: filter.audience,
    outcome: filter.outcome,
  }).toString()
  return {
    page: `${DASHBOARD_PREFIX}/logs?${query}`,
    stream: `${DASHBOARD_PREFIX}/logs/stream?${query}`,
  }
}

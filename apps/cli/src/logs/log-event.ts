/** A tenant log event as `GET /api/v2/logs` returns it (the fields the CLI prints). */
export interface LogEvent {
  log_id: string
  date: string
  type: string
  description?: string
  client_id?: string
  client_name?: string
  [field: string]: unknown
}

/** What Auth0 log types mean, for the ones M2M produces. */
export const TYPE_NAMES: Record<string, string> = {
  seccft: 'success exchange',
  feccft: 'failed exchange',
  token_quota_consumption_warning: 'quota warning',
}

/**
 * `date  type  client  description` on one line: what `m2m logs` prints when
 * stdout is not a terminal (a stable format for grep and scripts).
 */
export function formatLogLine(event: LogEvent): string {
  const client = clientOf(event)
  const type = TYPE_NAMES[event.type] ? `${event.type} (${TYPE_NAMES[event.type]})` : event.type
  const description = (event.description ?? '').replace(/\s+/g, ' ')
  return `${event.date}  ${type}  ${client}  ${description}`
}

/** "Storefront (storefront-dev)", or the id alone, or "-". */
export function clientOf(event: LogEvent): string {
  return event.client_name
    ? `${event.client_name} (${event.client_id ?? '?'})`
    : (event.client_id ?? '-')
}

export function isLogEventList(value: unknown): value is LogEvent[] {
  return (
    Array.isArray(value) &&
    value.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as LogEvent).log_id === 'string' &&
        typeof (e as LogEvent).date === 'string' &&
        typeof (e as LogEvent).type === 'string',
    )
  )
}

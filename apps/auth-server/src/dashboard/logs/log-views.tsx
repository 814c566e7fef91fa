import type { Client, ResourceServer } from '../../tenant/model.js'
import { DASHBOARD_PREFIX } from '../layout.js'
import type { ExchangeView, LogFilter, Outcome } from './log-filter.js'

// dashboard-assets/live-log.js builds the same rows from the stream's events: keep the two in step.
const OUTCOME_LABELS: Record<ExchangeView['outcome'], { mark: string; label: string }> = {
  issued: { mark: '✓', label: 'Issued' },
  refused: { mark: '✗', label: 'Refused' },
  warning: { mark: '!', label: 'Quota warning' },
}

const OUTCOME_CHOICES: ReadonlyArray<readonly [Outcome, string]> = [
  ['all', 'All (issued, refused, quota warnings)'],
  ['issued', 'Issued'],
  ['refused', 'Refused'],
]

/** `2026-05-01T12:34:56.789Z` → `2026-05-01 12:34:56` (the column says UTC). */
export const shortDate = (iso: string) => iso.slice(0, 19).replace('T', ' ')

function ExchangeRow({ row }: { row: ExchangeView }) {
  const outcome = OUTCOME_LABELS[row.outcome]
  return (
    <tr class={`outcome-${row.type}`} data-log-id={row.log_id}>
      <td>
        <time datetime={row.date}>{shortDate(row.date)}</time>
      </td>
      <td>
        <span class="outcome-mark" aria-hidden="true">
          {outcome.mark}
        </span>{' '}
        {outcome.label}
      </td>
      <td>
        {row.client_id === undefined ? (
          <span class="none">none</span>
        ) : (
          <>
            {row.client_name ? <span class="client-name">{row.client_name}</span> : null}{' '}
            <code>{row.client_id}</code>
          </>
        )}
      </td>
      <td>{row.audience ? <code>{row.audience}</code> : <span class="none">none</span>}</td>
      <td>
        {row.outcome === 'issued' ? (
          row.scope ? (
            <>
              scope: <code>{row.scope}</code>
            </>
          ) : (
            'no scopes'
          )
        ) : row.error ? (
          <>
            <code>{row.error}</code>: {row.description}
          </>
        ) : (
          row.description
        )}
      </td>
    </tr>
  )
}

function FilterForm(props: {
  filter: LogFilter
  clients: readonly Client[]
  apis: readonly ResourceServer[]
}) {
  const { filter } = props
  const knownClient =
    filter.client === '' || props.clients.some((c) => c.client_id === filter.client)
  const knownApi =
    filter.audience === '' || props.apis.some((a) => a.identifier === filter.audience)
  const filtered = filter.client !== '' || filter.audience !== '' || filter.outcome !== 'all'
  return (
    <form method="get" action={`${DASHBOARD_PREFIX}/logs`} class="log-filter" id="log-filter">
      <div>
        <label for="log-client">Application</label>
        <select id="log-client" name="client">
          <option value="">All applications</option>
          {props.clients.map((client) => (
            <option
              key={client.client_id}
              value={client.client_id}
              selected={client.client_id === filter.client}
            >
              {client.name}
            </option>
          ))}
          {knownClient ? null : (
            <option value={filter.client} selected>
              {filter.client} (not an application of this tenant)
            </option>
          )}
        </select>
      </div>
      <div>
        <label for="log-audience">API</label>
        <select id="log-audience" name="audience">
          <option value="">All APIs</option>
          {props.apis.map((api) => (
            <option
              key={api.identifier}
              value={api.identifier}
              selected={api.identifier === filter.audience}
            >
              {api.name} ({api.identifier})
            </option>
          ))}
          {knownApi ? null : (
            <option value={filter.audience} selected>
              {filter.audience} (not an API of this tenant)
            </option>
          )}
        </select>
      </div>
      <div>
        <label for="log-outcome">Outcome</label>
        <select id="log-outcome" name="outcome">
          {OUTCOME_CHOICES.map(([value, label]) => (
            <option key={value} value={value} selected={value === filter.outcome}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div class="log-filter-actions">
        <button type="submit">Apply filters</button>
        {filtered ? <a href={`${DASHBOARD_PREFIX}/logs`}>Clear filters</a> : null}
      </div>
    </form>
  )
}

/** `/dashboard/logs`: the filter, the live status, and the latest matching exchanges. */
export function LogPage(props: {
  filter: LogFilter
  rows: readonly ExchangeView[]
  /** How many events match in the tenant's log (the table holds the latest `limit`). */
  total: number
  limit: number
  streamPath: string
  clients: readonly Client[]
  apis: readonly ResourceServer[]
  /** What is wrong with the filter asked for (the page then answers 400). */
  problem?: string | undefined
}) {
  const { filter, rows } = props
  const filtered = filter.client !== '' || filter.audience !== '' || filter.outcome !== 'all'
  return (
    <>
      <p>
        Every client-credentials exchange of this tenant (<code>seccft</code> issued,{' '}
        <code>feccft</code> refused) and its quota warnings, as Auth0 logs them.{' '}
        <a href={`${DASHBOARD_PREFIX}/try`}>Try it</a> makes one.
      </p>
      {props.problem ? (
        <p class="flash flash-error" role="alert">
          The filter was not applied: {props.problem}
        </p>
      ) : null}
      <FilterForm filter={filter} clients={props.clients} apis={props.apis} />
      {props.problem ? null : (
        <>
          <p class="live-line">
            <span id="live-status" role="status" data-state="off">
              Not live: reload the page to see new exchanges.
            </span>
          </p>
          <table class="log-table">
            <caption>
              Exchanges{filtered ? ' matching the filters' : ''}, newest first
              {props.total > props.limit ? ` (the latest ${props.limit} of ${props.total})` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Outcome</th>
                <th scope="col">Application</th>
                <th scope="col">API</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody id="log-rows" data-stream={props.streamPath} data-limit={props.limit}>
              {rows.map((row) => (
                <ExchangeRow key={row.log_id} row={row} />
              ))}
            </tbody>
          </table>
          <p id="log-empty" class="empty" hidden={rows.length > 0}>
            {filtered
              ? 'No exchanges yet match these filters.'
              : 'No exchanges yet: request a token (Try it, or POST /oauth/token) and it shows here.'}
          </p>
        </>
      )}
    </>
  )
}

import type { Client, TokenQuotaLimits } from '../../tenant/model.js'
import type { DashboardSession } from '../dashboard-sessions.js'
import { CsrfField, DASHBOARD_PREFIX } from '../layout.js'

export const QUOTAS_PATH = `${DASHBOARD_PREFIX}/quotas`

/** per_hour, per_day and enforce, with ids under `prefix` (several forms share a page). */
function LimitFields(props: { prefix: string; current?: TokenQuotaLimits | undefined }) {
  const { prefix, current } = props
  return (
    <>
      <label for={`${prefix}-per-hour`}>Tokens per hour (empty: no hourly limit)</label>
      <input
        id={`${prefix}-per-hour`}
        name="per_hour"
        type="number"
        min={1}
        step={1}
        inputMode="numeric"
        value={current?.per_hour}
      />
      <label for={`${prefix}-per-day`}>Tokens per day, UTC (empty: no daily limit)</label>
      <input
        id={`${prefix}-per-day`}
        name="per_day"
        type="number"
        min={1}
        step={1}
        inputMode="numeric"
        value={current?.per_day}
      />
      <span>
        <input
          id={`${prefix}-enforce`}
          name="enforce"
          type="checkbox"
          value="true"
          checked={current?.enforce ?? true}
        />{' '}
        <label for={`${prefix}-enforce`}>
          Enforce: refuse tokens beyond the quota (unchecked: count and warn only)
        </label>
      </span>
    </>
  )
}

export function ClientQuotaForm(props: {
  clients: readonly Client[]
  session: DashboardSession | undefined
}) {
  return (
    <form method="post" action={`${QUOTAS_PATH}/clients`} class="card">
      <h2>Set an application's quota</h2>
      <p>Replaces the application's own quota; the tenant default no longer applies to it.</p>
      <CsrfField session={props.session} />
      <label for="quota-client">Application</label>
      <select id="quota-client" name="client_id" required>
        {props.clients.map((client) => (
          <option key={client.client_id} value={client.client_id}>
            {client.name} ({client.client_id})
          </option>
        ))}
      </select>
      <LimitFields prefix="quota-client" />
      <button type="submit">Set quota</button>
    </form>
  )
}

export function DefaultQuotaForm(props: {
  current: TokenQuotaLimits | undefined
  session: DashboardSession | undefined
}) {
  const { current, session } = props
  return (
    <section class="card" aria-labelledby="quota-default-title">
      <h2 id="quota-default-title">Default for applications</h2>
      <p>
        Applies to every application without a quota of its own (the tenant setting{' '}
        <code>default_token_quota.clients</code>).
      </p>
      <form method="post" action={`${QUOTAS_PATH}/default`} class="quota-form">
        <CsrfField session={session} />
        <LimitFields prefix="quota-default" current={current} />
        <button type="submit">Save default</button>
      </form>
      {current ? (
        <form method="post" action={`${QUOTAS_PATH}/default/clear`}>
          <CsrfField session={session} />
          <button type="submit" class="secondary">
            Remove the default
          </button>
        </form>
      ) : null}
    </section>
  )
}

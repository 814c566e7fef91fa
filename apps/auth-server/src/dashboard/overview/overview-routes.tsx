import type { FastifyInstance } from 'fastify'
import type { LogEvent } from '../../logs/log-store.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { DASHBOARD_PREFIX } from '../layout.js'

const RECENT = 10

function RecentExchanges({ events }: { events: readonly LogEvent[] }) {
  if (events.length === 0) {
    return (
      <p class="empty">
        No token exchanges yet. <a href={`${DASHBOARD_PREFIX}/try`}>Get a token</a> to see one here.
      </p>
    )
  }
  return (
    <table>
      <caption>Latest token exchanges</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Outcome</th>
          <th scope="col">Client</th>
          <th scope="col">Audience</th>
          <th scope="col">Description</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.log_id} class={`outcome-${event.type}`}>
            <td>
              <time datetime={event.date}>{event.date}</time>
            </td>
            <td>{event.type === 'seccft' ? 'issued' : 'refused'}</td>
            <td>{event.client_name ?? event.client_id ?? '—'}</td>
            <td>{event.audience ?? '—'}</td>
            <td>{event.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** `/dashboard`: where the tenant is, what it holds, what it did last. */
export function overviewRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { state, keys, logs, issuer, sendPage } = deps
  scope.get('/', (request, reply) => {
    const exchanges = logs
      .query({ page: 0, perPage: 200 })
      .logs.filter((event) => event.type === 'seccft' || event.type === 'feccft')
      .slice(0, RECENT)
    const apis = state.resourceServers.filter((api) => !api.is_system)
    const counts: Array<[string, number, string]> = [
      ['Applications', state.clients.length, '/applications'],
      ['APIs', apis.length, '/apis'],
      ['Client grants', state.clientGrants.length, '/grants'],
      ['Organizations', state.organizations.length, '/organizations'],
    ]
    return sendPage(request, reply, {
      title: 'Overview',
      content: (
        <>
          <dl class="facts">
            <dt>Issuer</dt>
            <dd>
              <code data-copy>{issuer}</code>
            </dd>
            <dt>Token endpoint</dt>
            <dd>
              <code data-copy>{`${issuer}oauth/token`}</code>
            </dd>
            <dt>JWKS</dt>
            <dd>
              <code data-copy>{`${issuer}.well-known/jwks.json`}</code>
            </dd>
            <dt>Signing key</dt>
            <dd>
              <a href={`${DASHBOARD_PREFIX}/keys`}>
                <code>{keys.current().kid}</code>
              </a>
            </dd>
          </dl>
          <ul class="counts">
            {counts.map(([label, count, path]) => (
              <li key={label}>
                <a href={`${DASHBOARD_PREFIX}${path}`}>
                  <strong>{count}</strong> {label}
                </a>
              </li>
            ))}
          </ul>
          <RecentExchanges events={exchanges} />
        </>
      ),
    })
  })
}

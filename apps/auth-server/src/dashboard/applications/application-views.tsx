import type { Client, ClientGrant } from '../../tenant/model.js'
import { audiencesByClient } from '../../tenant/tenant-summary.js'
import { ConfirmedForm } from '../confirmed-form.js'
import type { DashboardSession } from '../dashboard-sessions.js'
import { CsrfField, DASHBOARD_PREFIX } from '../layout.js'

const appPath = (client: Client) =>
  `${DASHBOARD_PREFIX}/applications/${encodeURIComponent(client.client_id)}`

const acceptsSecret = (client: Client) =>
  client.client_authentication_methods?.private_key_jwt === undefined &&
  client.token_endpoint_auth_method !== 'none'

export function ApplicationList(props: {
  clients: readonly Client[]
  grants: readonly ClientGrant[]
  session: DashboardSession | undefined
}) {
  const audiences = audiencesByClient(props.grants)
  return (
    <>
      {props.clients.length === 0 ? (
        <p class="empty">No applications yet: create one below.</p>
      ) : (
        <table>
          <caption>Applications ({props.clients.length})</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Client ID</th>
              <th scope="col">Type</th>
              <th scope="col">Authentication</th>
              <th scope="col">APIs granted</th>
            </tr>
          </thead>
          <tbody>
            {props.clients.map((client) => {
              const granted = audiences.get(client.client_id) ?? []
              return (
                <tr key={client.client_id}>
                  <td>
                    <a href={appPath(client)}>{client.name}</a>
                  </td>
                  <td>
                    <code>{client.client_id}</code>
                  </td>
                  <td>{client.app_type}</td>
                  <td>
                    {acceptsSecret(client) ? client.token_endpoint_auth_method : 'private_key_jwt'}
                  </td>
                  <td>{granted.length === 0 ? 'none' : granted.join(', ')}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      <form method="post" action={`${DASHBOARD_PREFIX}/applications`} class="card">
        <h2>Create a machine-to-machine application</h2>
        <CsrfField session={props.session} />
        <label for="app-name">Name</label>
        <input id="app-name" name="name" required maxLength={255} />
        <label for="app-description">Description (optional)</label>
        <input id="app-description" name="description" maxLength={140} />
        <button type="submit">Create application</button>
      </form>
    </>
  )
}

export function ApplicationDetail(props: {
  client: Client
  grants: readonly ClientGrant[]
  session: DashboardSession | undefined
  /** Shown only right after an explicit reveal or a rotation. */
  revealedSecret?: string | undefined
}) {
  const { client, session } = props
  const path = appPath(client)
  const credentials = client.credentials ?? []
  return (
    <>
      <dl class="facts">
        <dt>Client ID</dt>
        <dd>
          <code data-copy>{client.client_id}</code>
        </dd>
        <dt>Type</dt>
        <dd>{client.app_type}</dd>
        {client.description ? (
          <>
            <dt>Description</dt>
            <dd>{client.description}</dd>
          </>
        ) : null}
        <dt>Grant types</dt>
        <dd>{client.grant_types.join(', ') || 'none'}</dd>
        <dt>Authentication</dt>
        <dd>
          {acceptsSecret(client)
            ? `client secret (${client.token_endpoint_auth_method})`
            : 'private_key_jwt (the secret is refused)'}
        </dd>
        <dt>Client secret</dt>
        <dd>
          {props.revealedSecret ? (
            <code class="secret" data-copy>
              {props.revealedSecret}
            </code>
          ) : (
            <span class="masked">
              <span aria-hidden="true">••••••••••••</span>
              <span class="visually-hidden">hidden</span>
            </span>
          )}
        </dd>
        {client.secret_rotated_at ? (
          <>
            <dt>Secret rotated</dt>
            <dd>
              <time datetime={client.secret_rotated_at}>{client.secret_rotated_at}</time>
            </dd>
          </>
        ) : null}
      </dl>
      <div class="actions">
        {props.revealedSecret ? null : (
          <form method="post" action={`${path}/reveal`}>
            <CsrfField session={session} />
            <button type="submit">Reveal secret</button>
          </form>
        )}
        <ConfirmedForm
          action={`${path}/rotate-secret`}
          question="Rotate the secret? The current one stops working at once."
          session={session}
        >
          <button type="submit">Rotate secret</button>
        </ConfirmedForm>
        <ConfirmedForm
          action={`${path}/delete`}
          question={`Delete ${client.name}? Its grants go with it.`}
          session={session}
        >
          <button type="submit" class="danger">
            Delete application
          </button>
        </ConfirmedForm>
      </div>
      <h2>Credentials (private_key_jwt)</h2>
      {credentials.length === 0 ? (
        <p class="empty">No public keys: this application authenticates with its secret.</p>
      ) : (
        <table>
          <caption>Public keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key ID</th>
              <th scope="col">Algorithm</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {credentials.map((credential) => (
              <tr key={credential.id}>
                <td>{credential.name ?? credential.id}</td>
                <td>
                  <code>{credential.kid}</code>
                </td>
                <td>{credential.alg}</td>
                <td>{credential.expires_at ?? 'never'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>APIs granted</h2>
      {props.grants.length === 0 ? (
        <p class="empty">
          No grants: this application gets no token yet.{' '}
          <a href={`${DASHBOARD_PREFIX}/grants`}>Grant an API</a>
        </p>
      ) : (
        <ul>
          {props.grants.map((grant) => (
            <li key={grant.id}>
              <code>{grant.audience}</code>:{' '}
              {grant.scope.length === 0 ? 'no scopes' : grant.scope.join(' ')}
            </li>
          ))}
        </ul>
      )}
    </>
  )
}

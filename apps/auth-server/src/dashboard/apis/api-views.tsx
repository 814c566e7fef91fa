import { type ResourceServer, SIGNING_ALGS } from '../../tenant/model.js'
import { ConfirmedForm } from '../confirmed-form.js'
import type { DashboardSession } from '../dashboard-sessions.js'
import { CsrfField, DASHBOARD_PREFIX } from '../layout.js'
import { lifetimeText, popText } from './api-facts.js'

export const apiPath = (api: ResourceServer) =>
  `${DASHBOARD_PREFIX}/apis/${encodeURIComponent(api.id)}`

function SystemBadge({ api }: { api: ResourceServer }) {
  return api.is_system ? <span class="system-badge">system, read-only</span> : null
}

export function ApiList(props: {
  apis: readonly ResourceServer[]
  session: DashboardSession | undefined
}) {
  return (
    <>
      <table>
        <caption>APIs ({props.apis.length})</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Identifier (audience)</th>
            <th scope="col">Signing algorithm</th>
            <th scope="col">Token lifetime</th>
            <th scope="col">Scopes</th>
            <th scope="col">Proof of possession</th>
          </tr>
        </thead>
        <tbody>
          {props.apis.map((api) => (
            <tr key={api.id}>
              <td>
                <a href={apiPath(api)}>{api.name}</a>
                <SystemBadge api={api} />
              </td>
              <td>
                <code>{api.identifier}</code>
              </td>
              <td>{api.signing_alg}</td>
              <td>{lifetimeText(api.token_lifetime)}</td>
              <td>{api.scopes.length}</td>
              <td>{popText(api)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <CreateApiForm session={props.session} />
    </>
  )
}

function CreateApiForm({ session }: { session: DashboardSession | undefined }) {
  return (
    <form method="post" action={`${DASHBOARD_PREFIX}/apis`} class="card">
      <h2>Create an API</h2>
      <CsrfField session={session} />
      <label for="api-name">Name</label>
      <input id="api-name" name="name" required maxLength={200} />
      <label for="api-identifier">Identifier (the audience of its tokens; never changes)</label>
      <input
        id="api-identifier"
        name="identifier"
        required
        maxLength={600}
        placeholder="urn:my-api"
      />
      <label for="api-signing-alg">Signing algorithm</label>
      <select id="api-signing-alg" name="signing_alg">
        {SIGNING_ALGS.map((alg) => (
          <option key={alg} value={alg} selected={alg === 'RS256'}>
            {alg}
          </option>
        ))}
      </select>
      <label for="api-token-lifetime">Token lifetime (seconds)</label>
      <input id="api-token-lifetime" name="token_lifetime" inputMode="numeric" value="86400" />
      <label for="api-scopes">Scopes, one a line: the value, a space, then its description</label>
      <textarea
        id="api-scopes"
        name="scopes"
        rows={5}
        placeholder={'read:orders Read orders\nwrite:orders Create and change orders'}
      />
      <button type="submit">Create API</button>
    </form>
  )
}

export function ApiDetail(props: {
  api: ResourceServer
  /** How many applications have a grant for it. */
  grantCount: number
  session: DashboardSession | undefined
}) {
  const { api, session } = props
  const path = apiPath(api)
  const editable = !api.is_system
  return (
    <>
      {editable ? null : (
        <p class="muted-note">
          This tenant's own Management API: a system API, shown here and granted in the grant
          matrix, but never changed or deleted.
        </p>
      )}
      <dl class="facts">
        <dt>Identifier (audience)</dt>
        <dd>
          <code data-copy>{api.identifier}</code>
        </dd>
        <dt>ID</dt>
        <dd>
          <code>{api.id}</code>
        </dd>
        <dt>Signing algorithm</dt>
        <dd>
          {api.signing_alg}
          {api.signing_alg === 'HS256' ? ' (its signing secret is never shown here)' : null}
        </dd>
        <dt>Token lifetime</dt>
        <dd>{lifetimeText(api.token_lifetime)}</dd>
        <dt>Token dialect</dt>
        <dd>{api.token_dialect}</dd>
        <dt>Proof of possession</dt>
        <dd>{popText(api)}</dd>
        <dt>Applications granted</dt>
        <dd>
          {props.grantCount} (<a href={`${DASHBOARD_PREFIX}/grants`}>grant matrix</a>)
        </dd>
      </dl>
      <ScopeTable api={api} session={session} editable={editable} />
      {editable ? (
        <>
          <AddScopeForm api={api} session={session} />
          <div class="actions">
            <ConfirmedForm
              action={`${path}/delete`}
              question={`Delete ${api.name}? Every grant to it goes with it.`}
              session={session}
            >
              <button type="submit" class="danger">
                Delete API
              </button>
            </ConfirmedForm>
          </div>
        </>
      ) : null}
    </>
  )
}

function ScopeTable(props: {
  api: ResourceServer
  session: DashboardSession | undefined
  editable: boolean
}) {
  const { api, session, editable } = props
  if (api.scopes.length === 0) {
    return <p class="empty">No scopes: tokens for this API carry none.</p>
  }
  return (
    <table>
      <caption>Scopes ({api.scopes.length})</caption>
      <thead>
        <tr>
          <th scope="col">Value</th>
          <th scope="col">Description</th>
          {editable ? <th scope="col">Remove</th> : null}
        </tr>
      </thead>
      <tbody>
        {api.scopes.map((scope) => (
          <tr key={scope.value}>
            <td>
              <code>{scope.value}</code>
            </td>
            <td>{scope.description ?? ''}</td>
            {editable ? (
              <td>
                <ConfirmedForm
                  action={`${apiPath(api)}/scopes/remove`}
                  question={`Remove ${scope.value}? Grants lose it too.`}
                  session={session}
                >
                  <input type="hidden" name="value" value={scope.value} />
                  <button type="submit" class="secondary">
                    Remove<span class="visually-hidden"> {scope.value}</span>
                  </button>
                </ConfirmedForm>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function AddScopeForm(props: { api: ResourceServer; session: DashboardSession | undefined }) {
  return (
    <form method="post" action={`${apiPath(props.api)}/scopes`} class="card">
      <h2>Add a scope</h2>
      <CsrfField session={props.session} />
      <label for="scope-value">Value (no spaces)</label>
      <input id="scope-value" name="value" required maxLength={280} placeholder="read:orders" />
      <label for="scope-description">Description (optional)</label>
      <input id="scope-description" name="description" maxLength={500} />
      <button type="submit">Add scope</button>
    </form>
  )
}

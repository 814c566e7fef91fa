import type { Organization, TokenQuota } from '../../tenant/model.js'
import { ConfirmedForm } from '../confirmed-form.js'
import type { DashboardSession } from '../dashboard-sessions.js'
import { CsrfField, DASHBOARD_PREFIX } from '../layout.js'

export const organizationPath = (org: Organization) =>
  `${DASHBOARD_PREFIX}/organizations/${encodeURIComponent(org.id)}`

/** A client grant as a reader knows it: which application, which API. */
export interface GrantSummary {
  id: string
  application: string
  api: string
  scopes: readonly string[]
  organizationUsage: string
}

const count = (n: number | undefined) => (n === undefined ? undefined : n.toLocaleString('en'))

/** `100 per hour, 1,000 per day (enforced)`; without its own, the tenant default applies. */
export function quotaText(quota: TokenQuota | undefined): string {
  if (!quota) return 'none of its own'
  const { per_hour: perHour, per_day: perDay, enforce } = quota.client_credentials
  const limits = [
    perHour === undefined ? undefined : `${count(perHour)} per hour`,
    perDay === undefined ? undefined : `${count(perDay)} per day`,
  ].filter((limit) => limit !== undefined)
  return `${limits.join(', ') || 'no limit'} (${enforce ? 'enforced' : 'counted, not enforced'})`
}

export const grantLabel = (grant: GrantSummary) => `${grant.application} → ${grant.api}`

export function OrganizationList(props: {
  organizations: readonly Organization[]
  session: DashboardSession | undefined
}) {
  const { organizations } = props
  return (
    <>
      {organizations.length === 0 ? (
        <p class="empty">No organizations yet: create one below.</p>
      ) : (
        <table>
          <caption>Organizations ({organizations.length})</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Display name</th>
              <th scope="col">Client grants</th>
              <th scope="col">Token quota</th>
            </tr>
          </thead>
          <tbody>
            {organizations.map((org) => (
              <tr key={org.id}>
                <td>
                  <a href={organizationPath(org)}>{org.name}</a>
                </td>
                <td>{org.display_name}</td>
                <td>{org.client_grant_ids.length}</td>
                <td>{quotaText(org.token_quota)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action={`${DASHBOARD_PREFIX}/organizations`} class="card">
        <h2>Create an organization</h2>
        <CsrfField session={props.session} />
        <label for="org-name">
          Name (lowercase letters, digits, - and _; as token requests name it)
        </label>
        <input id="org-name" name="name" required maxLength={50} placeholder="acme" />
        <label for="org-display-name">Display name (optional)</label>
        <input id="org-display-name" name="display_name" maxLength={255} />
        <button type="submit">Create organization</button>
      </form>
    </>
  )
}

export function OrganizationDetail(props: {
  organization: Organization
  associated: readonly GrantSummary[]
  /** Grants that allow organizations and are not associated yet. */
  candidates: readonly GrantSummary[]
  /** How many other grants refuse organizations (`organization_usage: deny`). */
  denying: number
  session: DashboardSession | undefined
}) {
  const { organization: org, session } = props
  const path = organizationPath(org)
  const metadata = Object.entries(org.metadata)
  return (
    <>
      <dl class="facts">
        <dt>ID</dt>
        <dd>
          <code data-copy>{org.id}</code>
        </dd>
        <dt>Name</dt>
        <dd>
          <code>{org.name}</code>
        </dd>
        <dt>Display name</dt>
        <dd>{org.display_name}</dd>
        <dt>Token quota</dt>
        <dd>{quotaText(org.token_quota)}</dd>
        {metadata.length > 0 ? (
          <>
            <dt>Metadata</dt>
            <dd>
              {metadata.map(([key, value]) => (
                <div key={key}>
                  <code>{key}</code>: {value}
                </div>
              ))}
            </dd>
          </>
        ) : null}
      </dl>
      <h2>Client grants it may be used with</h2>
      {props.associated.length === 0 ? (
        <p class="empty">None: no token request can name this organization yet.</p>
      ) : (
        <table>
          <caption>Associated client grants ({props.associated.length})</caption>
          <thead>
            <tr>
              <th scope="col">Application</th>
              <th scope="col">API</th>
              <th scope="col">Scopes</th>
              <th scope="col">Organization usage</th>
              <th scope="col">Remove</th>
            </tr>
          </thead>
          <tbody>
            {props.associated.map((grant) => (
              <tr key={grant.id}>
                <td>{grant.application}</td>
                <td>{grant.api}</td>
                <td>{grant.scopes.join(' ') || 'none'}</td>
                <td>{grant.organizationUsage}</td>
                <td>
                  <form method="post" action={`${path}/grants/remove`}>
                    <CsrfField session={session} />
                    <input type="hidden" name="grant_id" value={grant.id} />
                    <button type="submit" class="secondary">
                      Remove<span class="visually-hidden"> {grantLabel(grant)}</span>
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AssociateForm {...props} />
      <div class="actions">
        <ConfirmedForm
          action={`${path}/delete`}
          question={`Delete the organization ${org.name}?`}
          session={session}
        >
          <button type="submit" class="danger">
            Delete organization
          </button>
        </ConfirmedForm>
      </div>
    </>
  )
}

function AssociateForm(props: {
  organization: Organization
  candidates: readonly GrantSummary[]
  denying: number
  session: DashboardSession | undefined
}) {
  const denied =
    props.denying > 0 ? (
      <p class="muted-note">
        {props.denying} other grant{props.denying === 1 ? '' : 's'} cannot be associated:{' '}
        <code>organization_usage</code> is <code>deny</code> (set it to <code>allow</code> or{' '}
        <code>require</code> through the Management API first).
      </p>
    ) : null
  if (props.candidates.length === 0) {
    return (
      <section class="card">
        <h2>Associate a client grant</h2>
        <p class="empty">No other client grant allows organizations.</p>
        {denied}
      </section>
    )
  }
  return (
    <form method="post" action={`${organizationPath(props.organization)}/grants`} class="card">
      <h2>Associate a client grant</h2>
      <CsrfField session={props.session} />
      <label for="org-grant">Client grant</label>
      <select id="org-grant" name="grant_id" required>
        {props.candidates.map((grant) => (
          <option key={grant.id} value={grant.id}>
            {`${grantLabel(grant)} (organization_usage: ${grant.organizationUsage})`}
          </option>
        ))}
      </select>
      {denied}
      <button type="submit">Associate</button>
    </form>
  )
}

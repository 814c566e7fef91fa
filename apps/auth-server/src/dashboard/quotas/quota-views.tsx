import type { Client, TokenQuotaLimits } from '../../tenant/model.js'
import type { DashboardSession } from '../dashboard-sessions.js'
import { CsrfField, DASHBOARD_PREFIX } from '../layout.js'
import { QuotaBar } from './quota-bar.js'
import { ClientQuotaForm, DefaultQuotaForm, QUOTAS_PATH } from './quota-forms.js'
import type { QuotaOverview, QuotaOwner } from './quota-overview.js'

const SOURCES: Record<QuotaOwner['kind'], { idLabel: string; own: string; default: string }> = {
  client: {
    idLabel: 'Client ID',
    own: 'its own',
    default: 'the tenant default for applications',
  },
  organization: {
    idLabel: 'Organization ID',
    own: 'its own',
    default: 'the tenant default for organizations',
  },
  plan: { idLabel: '', own: '', default: '' },
}

function sourceOf(owner: QuotaOwner): string {
  return owner.source === 'plan'
    ? "the plan's monthly allowance (TENANT_PLAN)"
    : SOURCES[owner.kind][owner.source]
}

function enforcement(enforce: boolean): string {
  return enforce
    ? 'yes: once a bucket is spent, token requests get 429 until it resets'
    : 'no, counted only: never refused; warnings are logged at 60, 80 and 100 %'
}

function OwnerName({ owner }: { owner: QuotaOwner }) {
  if (owner.kind !== 'client') return <>{owner.name}</>
  return (
    <a href={`${DASHBOARD_PREFIX}/applications/${encodeURIComponent(owner.id)}`}>{owner.name}</a>
  )
}

function OwnerCard(props: { owner: QuotaOwner; index: number; session?: DashboardSession }) {
  const { owner, session } = props
  return (
    <li class="card quota-owner">
      <h3>
        <OwnerName owner={owner} />
      </h3>
      <dl class="facts">
        {owner.kind === 'plan' ? null : (
          <>
            <dt>{SOURCES[owner.kind].idLabel}</dt>
            <dd>
              <code>{owner.id}</code>
            </dd>
          </>
        )}
        <dt>Quota</dt>
        <dd>{sourceOf(owner)}</dd>
        <dt>Enforced</dt>
        <dd>{enforcement(owner.enforce)}</dd>
      </dl>
      {owner.buckets.map((usage) => (
        <QuotaBar
          key={usage.bucket}
          id={`quota-${owner.kind}-${props.index}-${usage.bucket}`}
          ownerName={owner.name}
          usage={usage}
          enforce={owner.enforce}
        />
      ))}
      {owner.kind === 'client' && owner.source === 'own' ? (
        <form method="post" action={`${QUOTAS_PATH}/clients/${encodeURIComponent(owner.id)}/clear`}>
          <CsrfField session={session} />
          <button type="submit" class="secondary">
            Clear quota<span class="visually-hidden"> of {owner.name}</span>
          </button>
        </form>
      ) : null}
    </li>
  )
}

function OwnerList(props: {
  title: string
  owners: readonly QuotaOwner[]
  session: DashboardSession | undefined
}) {
  if (props.owners.length === 0) return null
  return (
    <>
      <h2>{props.title}</h2>
      <ul class="quota-owners">
        {props.owners.map((owner, index) => (
          <OwnerCard key={owner.id} owner={owner} index={index} session={props.session} />
        ))}
      </ul>
    </>
  )
}

export function QuotaPage(props: {
  overview: QuotaOverview
  clients: readonly Client[]
  clientDefault: TokenQuotaLimits | undefined
  session: DashboardSession | undefined
}) {
  const { overview, session } = props
  const none =
    !overview.plan && overview.clients.length === 0 && overview.organizations.length === 0
  return (
    <>
      <p>
        Tokens issued per client and per organization, per UTC hour and day (Auth0's fine-grained
        M2M token quotas), counted in memory since the tenant started. A change applies from the
        next token request.
      </p>
      {none ? (
        <p class="empty">
          No quotas: tokens are limited by the rate limit only. Set one for an application or a
          default for every application below, an organization's with{' '}
          <code>PATCH /api/v2/organizations/:id</code> or in the tenant file (
          <code>token_quota</code>, <code>tenant.default_token_quota</code>), or start with{' '}
          <code>TENANT_PLAN=free</code> for the plan's monthly allowance.
        </p>
      ) : null}
      <OwnerList
        title="Plan allowance"
        owners={overview.plan ? [overview.plan] : []}
        session={session}
      />
      <OwnerList title="Applications" owners={overview.clients} session={session} />
      <OwnerList title="Organizations" owners={overview.organizations} session={session} />
      <ClientQuotaForm clients={props.clients} session={session} />
      <DefaultQuotaForm current={props.clientDefault} session={session} />
    </>
  )
}

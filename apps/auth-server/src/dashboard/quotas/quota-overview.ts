import type { QuotaBucket } from '../../oauth/quota-windows.js'
import type { QuotaKind, TokenQuota } from '../../oauth/token-quota.js'
import type { TenantState } from '../../state/tenant-state.js'
import type { TokenQuotaLimits } from '../../tenant/model.js'

/** One bucket's count against its limit in the current window. */
export interface BucketUsage {
  bucket: QuotaBucket
  limit: number
  used: number
  /** Epoch ms when the window ends. */
  resetsAt: number
  /** Epoch ms: the tenant's clock when read. */
  at: number
}

/** Whose setting gives an owner its quota. */
export type QuotaSource = 'own' | 'default' | 'plan'

/** A client, an organization or the tenant (its plan), with the quota that applies to it. */
export interface QuotaOwner {
  kind: QuotaKind
  id: string
  name: string
  source: QuotaSource
  enforce: boolean
  buckets: BucketUsage[]
}

export interface QuotaOverview {
  plan: QuotaOwner | undefined
  clients: QuotaOwner[]
  organizations: QuotaOwner[]
}

type Counts = Pick<TokenQuota, 'usage' | 'monthlyAllowance'>

function bucketsOf(
  counts: Counts,
  kind: QuotaKind,
  id: string,
  limits: TokenQuotaLimits,
): BucketUsage[] {
  const buckets: BucketUsage[] = []
  for (const bucket of ['per_hour', 'per_day'] as const) {
    const limit = limits[bucket]
    if (limit !== undefined) buckets.push({ bucket, limit, ...counts.usage(kind, id, bucket) })
  }
  return buckets
}

function owner(
  counts: Counts,
  kind: QuotaKind,
  entity: { id: string; name: string },
  own: TokenQuotaLimits | undefined,
  fallback: TokenQuotaLimits | undefined,
): QuotaOwner | undefined {
  // As the token endpoint decides: the entity's own quota, else the tenant default.
  const limits = own ?? fallback
  if (!limits) return undefined
  return {
    kind,
    ...entity,
    source: own ? 'own' : 'default',
    enforce: limits.enforce,
    buckets: bucketsOf(counts, kind, entity.id, limits),
  }
}

const present = <T>(value: T | undefined): value is T => value !== undefined

/**
 * Every quota the next token request would be counted against, with what
 * each bucket has used so far: limits from the tenant's settings (a change
 * applies from the next request), counts from the token quota.
 */
export function quotaOverview(state: TenantState, counts: Counts): QuotaOverview {
  const defaults = state.settings.default_token_quota
  const allowance = counts.monthlyAllowance
  return {
    plan:
      allowance === undefined
        ? undefined
        : {
            kind: 'plan',
            id: 'tenant',
            name: 'The whole tenant',
            source: 'plan',
            enforce: true,
            buckets: [
              { bucket: 'monthly', limit: allowance, ...counts.usage('plan', '', 'monthly') },
            ],
          },
    clients: state.clients
      .map((client) =>
        owner(
          counts,
          'client',
          { id: client.client_id, name: client.name },
          client.token_quota?.client_credentials,
          defaults?.clients?.client_credentials,
        ),
      )
      .filter(present),
    organizations: state.organizations
      .map((organization) =>
        owner(
          counts,
          'organization',
          { id: organization.id, name: organization.display_name || organization.name },
          organization.token_quota?.client_credentials,
          defaults?.organizations?.client_credentials,
        ),
      )
      .filter(present),
  }
}

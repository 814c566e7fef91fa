import type { DefaultTokenQuota, Organization, TenantSettings } from '../tenant/model.js'
import { storedTokenQuota } from '../tenant/token-quota-config.js'

/**
 * Before the tenant enforced them, the Management API stored an
 * organization's `token_quota` and the tenant's `default_token_quota` as
 * given, in `auth0_fields`. On start, such a stored value of the right shape
 * becomes the modelled one (unless one is already set) and leaves
 * `auth0_fields`, so what the Management API returns is what is enforced.
 */
export function adoptStoredQuotas(
  settings: TenantSettings | undefined,
  organizations: readonly Organization[] | undefined,
): void {
  for (const org of organizations ?? []) {
    const stored = takeStored(org, 'token_quota')
    if (stored === undefined || org.token_quota) continue
    const quota = storedTokenQuota(stored)
    if (quota) org.token_quota = quota
  }
  if (!settings) return
  const stored = takeStored(settings, 'default_token_quota')
  if (typeof stored !== 'object' || stored === null || settings.default_token_quota) return
  const { clients, organizations: orgs } = stored as Record<string, unknown>
  const defaults: DefaultTokenQuota = {}
  const forClients = storedTokenQuota(clients)
  const forOrganizations = storedTokenQuota(orgs)
  if (forClients) defaults.clients = forClients
  if (forOrganizations) defaults.organizations = forOrganizations
  if (forClients || forOrganizations) settings.default_token_quota = defaults
}

/** Removes `field` from `auth0_fields` (and `auth0_fields` once empty); returns what it held. */
function takeStored(entity: { auth0_fields?: Record<string, unknown> }, field: string): unknown {
  const fields = entity.auth0_fields
  if (!fields || !Object.hasOwn(fields, field)) return undefined
  const { [field]: value, ...rest } = fields
  if (Object.keys(rest).length === 0) delete entity.auth0_fields
  else entity.auth0_fields = rest
  return value
}

import type { TenantState } from '../../state/tenant-state.js'
import { acceptsSecret, type Client, grantedScopes } from '../../tenant/model.js'

/** A client grant "Try it" lists: an application and an API it may get tokens for. */
export interface GrantOption {
  /** The client grant's id: the form's value. */
  id: string
  clientId: string
  clientName: string
  audience: string
  apiName: string
  scopes: readonly string[]
  organizationUsage: 'deny' | 'allow' | 'require'
  /** Why this dashboard cannot make the exchange (listed, disabled), when it cannot. */
  unavailable?: Unavailable
}

/** A short `label` for the list (an option must stay narrow), and the `reason` in words. */
export interface Unavailable {
  label: string
  reason: string
}

function whyUnavailable(client: Client): Unavailable | undefined {
  if (!acceptsSecret(client)) {
    return {
      label: 'private_key_jwt',
      reason: 'it authenticates with private_key_jwt, and the dashboard holds no private key',
    }
  }
  if (client.token_endpoint_auth_method === 'none') {
    return { label: 'no authentication', reason: 'it has no client authentication' }
  }
  if (!client.client_secret) {
    return {
      label: 'secret unknown',
      reason: 'its secret was kept before secrets were stored: rotate it on its page',
    }
  }
  return undefined
}

/** Every grant of a client-credentials application to an API, in the tenant's order. */
export function grantOptions(state: TenantState): GrantOption[] {
  return state.clientGrants.flatMap((grant): GrantOption[] => {
    if (grant.client_id === '' || grant.subject_type === 'user') return []
    const client = state.client(grant.client_id)
    if (!client?.grant_types.includes('client_credentials')) return []
    const api = state.resourceServerByIdentifier(grant.audience)
    const unavailable = whyUnavailable(client)
    return [
      {
        id: grant.id,
        clientId: client.client_id,
        clientName: client.name,
        audience: grant.audience,
        apiName: api?.name ?? grant.audience,
        scopes: api ? grantedScopes(grant, api) : grant.scope,
        organizationUsage: grant.organization_usage ?? 'deny',
        ...(unavailable ? { unavailable } : {}),
      },
    ]
  })
}

import {
  acceptsSecret,
  type Client,
  type ClientGrant,
  type CredentialsExchangeAction,
  grantedScopes,
  type Organization,
  type ResourceServer,
  usesPrivateKeyJwt,
} from './model.js'

// What a tenant serves, in a few words per entry: the start banner of the
// `m2m-tenant` bin and the "loads" part of `m2m tenant check`.

export interface ApiSummary {
  identifier: string
  name: string
  scopes: string[]
  signingAlg: string
  tokenLifetime: number
  /** The Management API, which every tenant has. */
  system: boolean
}

export interface ClientSummary {
  name: string
  clientId: string
  appType: string
  /** `client_credentials` is among its grant types: it may get tokens. */
  clientCredentials: boolean
  /** How it authenticates at `/oauth/token`. */
  authentication: 'client_secret' | 'private_key_jwt' | 'private_key_jwt+client_secret'
  /** The APIs its grants (client credentials) give it. */
  audiences: string[]
}

export interface GrantSummary {
  /** The client's name; `third-party clients` for a `default_for` grant. */
  client: string
  audience: string
  /** What a token gets: every scope of the API when the grant allows all. */
  scopes: string[]
  /** A `subject_type: user` grant serves no client-credentials exchange. */
  clientCredentials: boolean
}

export interface OrganizationSummary {
  name: string
  /** Client grants it may be used with. */
  grants: number
}

export interface TenantSummary {
  apis: ApiSummary[]
  clients: ClientSummary[]
  grants: GrantSummary[]
  organizations: OrganizationSummary[]
  /** Actions run on every exchange, in order. */
  actions: string[]
}

/** The parts of a tenant (`Tenant` from the loader, or the running `TenantState`) a summary reads. */
export interface SummarySource {
  readonly resourceServers: readonly ResourceServer[]
  readonly clients: readonly Client[]
  readonly clientGrants: readonly ClientGrant[]
  readonly organizations: readonly Organization[]
  readonly actions: readonly CredentialsExchangeAction[]
}

/** Entries in the tenant's order (for a loaded file: the file's, the Management API first). */
export function summarizeTenant(tenant: SummarySource): TenantSummary {
  const apis = new Map(tenant.resourceServers.map((api) => [api.identifier, api]))
  const names = new Map(tenant.clients.map((client) => [client.client_id, client.name]))
  const servesClients = (grant: ClientGrant) => grant.subject_type !== 'user'
  const audiences = audiencesByClient(tenant.clientGrants.filter(servesClients))
  return {
    apis: tenant.resourceServers.map((api) => ({
      identifier: api.identifier,
      name: api.name,
      scopes: api.scopes.map((scope) => scope.value),
      signingAlg: api.signing_alg,
      tokenLifetime: api.token_lifetime,
      system: api.is_system === true,
    })),
    clients: tenant.clients.map((client) => ({
      name: client.name,
      clientId: client.client_id,
      appType: client.app_type,
      clientCredentials: client.grant_types.includes('client_credentials'),
      authentication: !usesPrivateKeyJwt(client)
        ? 'client_secret'
        : acceptsSecret(client)
          ? 'private_key_jwt+client_secret'
          : 'private_key_jwt',
      audiences: audiences.get(client.client_id) ?? [],
    })),
    grants: tenant.clientGrants.map((grant) => {
      const api = apis.get(grant.audience)
      return {
        client:
          grant.default_for === undefined
            ? (names.get(grant.client_id) ?? grant.client_id)
            : 'third-party clients',
        audience: grant.audience,
        scopes: api ? grantedScopes(grant, api) : grant.scope,
        clientCredentials: servesClients(grant),
      }
    }),
    organizations: tenant.organizations.map((org) => ({
      name: org.name,
      grants: org.client_grant_ids.length,
    })),
    actions: tenant.actions.map((action) => action.name),
  }
}

/** Each client's grants' audiences, in the grants' order: one pass, whatever the tenant's size. */
export function audiencesByClient(grants: readonly ClientGrant[]): Map<string, string[]> {
  const byClient = new Map<string, string[]>()
  for (const grant of grants) {
    const list = byClient.get(grant.client_id)
    if (list) list.push(grant.audience)
    else byClient.set(grant.client_id, [grant.audience])
  }
  return byClient
}

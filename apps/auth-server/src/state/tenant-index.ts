import { grantKey } from '../tenant/grant-key.js'
import { isAuth0ManagementAudience } from '../tenant/issuer.js'
import type { Client, ClientGrant, Organization, ResourceServer } from '../tenant/model.js'
import { firstBy } from './first-by.js'

export interface IndexedTenantData {
  clients: readonly Client[]
  clientGrants: readonly ClientGrant[]
  resourceServers: readonly ResourceServer[]
  organizations?: readonly Organization[]
}

/**
 * The tenant's lookups by key, so that a token request costs the same with
 * ten thousand clients as with one. Each answers what the first match of a
 * scan in array order would (the arrays stay the order of record), and it is
 * built from the data as it is: a change to the data drops it (`TenantState`).
 */
export class TenantIndex {
  private readonly clients: ReadonlyMap<string, Client>
  private readonly clientsByName: ReadonlyMap<string, Client>
  private readonly apisByIdentifier: ReadonlyMap<string, ResourceServer>
  private readonly apisById: ReadonlyMap<string, ResourceServer>
  private readonly systemApi: ResourceServer | undefined
  private readonly grantsById: ReadonlyMap<string, ClientGrant>
  /** Grants that serve client credentials (`subject_type` not `user`), by client and API. */
  private readonly clientGrants: ReadonlyMap<string, ClientGrant>
  /** The `default_for: third_party_clients` grant of each audience. */
  private readonly thirdPartyGrants: ReadonlyMap<string, ClientGrant>
  /** Each organization with its place in the array: a name and an id may match two. */
  private readonly orgsById: ReadonlyMap<string, { org: Organization; at: number }>
  private readonly orgsByName: ReadonlyMap<string, { org: Organization; at: number }>
  /** Each organization's client grants, as a set: an organization may list thousands. */
  private readonly orgGrants = new Map<Organization, ReadonlySet<string>>()

  constructor(data: IndexedTenantData) {
    this.clients = firstBy(data.clients, (client) => client.client_id)
    this.clientsByName = firstBy(data.clients, (client) => client.name)
    this.apisByIdentifier = firstBy(data.resourceServers, (api) => api.identifier)
    this.apisById = firstBy(data.resourceServers, (api) => api.id)
    this.systemApi = data.resourceServers.find((api) => api.is_system)
    this.grantsById = firstBy(data.clientGrants, (grant) => grant.id)
    const forClients = data.clientGrants.filter((grant) => grant.subject_type !== 'user')
    this.clientGrants = firstBy(forClients, (grant) => grantKey(grant.client_id, grant.audience))
    this.thirdPartyGrants = firstBy(
      forClients.filter((grant) => grant.default_for === 'third_party_clients'),
      (grant) => grant.audience,
    )
    const placed = (data.organizations ?? []).map((org, at) => ({ org, at }))
    this.orgsById = firstBy(placed, ({ org }) => org.id)
    this.orgsByName = firstBy(placed, ({ org }) => org.name)
    for (const { org } of placed) this.orgGrants.set(org, new Set(org.client_grant_ids))
  }

  client(clientId: string): Client | undefined {
    return this.clients.get(clientId)
  }

  clientNamed(name: string): Client | undefined {
    return this.clientsByName.get(name)
  }

  resourceServerByIdentifier(identifier: string): ResourceServer | undefined {
    return this.apisByIdentifier.get(identifier)
  }

  resourceServer(id: string): ResourceServer | undefined {
    return this.apisById.get(id)
  }

  /** The API with this identifier, or the system API for an Auth0 Management API audience. */
  resourceServerForAudience(audience: string): ResourceServer | undefined {
    const api = this.apisByIdentifier.get(audience)
    if (api) return api
    return isAuth0ManagementAudience(audience) ? this.systemApi : undefined
  }

  clientGrant(id: string): ClientGrant | undefined {
    return this.grantsById.get(id)
  }

  /** The client's own grant for `audience` that serves client credentials. */
  ownGrant(clientId: string, audience: string): ClientGrant | undefined {
    return this.clientGrants.get(grantKey(clientId, audience))
  }

  thirdPartyGrant(audience: string): ClientGrant | undefined {
    return this.thirdPartyGrants.get(audience)
  }

  /** Whether `org` lists the client grant `grantId` (an organization not of this data: by its list). */
  organizationHasGrant(org: Organization, grantId: string): boolean {
    const grants = this.orgGrants.get(org)
    return grants ? grants.has(grantId) : org.client_grant_ids.includes(grantId)
  }

  organizationNamed(name: string): Organization | undefined {
    return this.orgsByName.get(name)?.org
  }

  organization(idOrName: string, byName: boolean): Organization | undefined {
    const byId = this.orgsById.get(idOrName)
    const named = byName ? this.orgsByName.get(idOrName) : undefined
    if (byId && named) return byId.at <= named.at ? byId.org : named.org
    return (byId ?? named)?.org
  }
}

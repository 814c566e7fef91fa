import { isAuth0ManagementAudience } from '../tenant/issuer.js'
import type { Client, ClientGrant, Organization, ResourceServer } from '../tenant/model.js'

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
  private readonly clients = new Map<string, Client>()
  private readonly clientsByName = new Map<string, Client>()
  private readonly apisByIdentifier = new Map<string, ResourceServer>()
  private readonly apisById = new Map<string, ResourceServer>()
  private readonly systemApi: ResourceServer | undefined
  private readonly grantsById = new Map<string, ClientGrant>()
  /** Grants that serve client credentials (`subject_type` not `user`), by audience, then client. */
  private readonly clientGrants = new Map<string, Map<string, ClientGrant>>()
  /** The `default_for: third_party_clients` grant of each audience. */
  private readonly thirdPartyGrants = new Map<string, ClientGrant>()
  /** Each organization with its place in the array: a name and an id may match two. */
  private readonly orgsById = new Map<string, { org: Organization; at: number }>()
  private readonly orgsByName = new Map<string, { org: Organization; at: number }>()
  /** Each organization's client grants, as a set: an organization may list thousands. */
  private readonly orgGrants = new Map<Organization, ReadonlySet<string>>()

  constructor(data: IndexedTenantData) {
    for (const client of data.clients) {
      keepFirst(this.clients, client.client_id, client)
      keepFirst(this.clientsByName, client.name, client)
    }
    let system: ResourceServer | undefined
    for (const api of data.resourceServers) {
      keepFirst(this.apisByIdentifier, api.identifier, api)
      keepFirst(this.apisById, api.id, api)
      if (api.is_system) system ??= api
    }
    this.systemApi = system
    for (const grant of data.clientGrants) {
      keepFirst(this.grantsById, grant.id, grant)
      if (grant.subject_type === 'user') continue
      let byClient = this.clientGrants.get(grant.audience)
      if (!byClient) {
        byClient = new Map()
        this.clientGrants.set(grant.audience, byClient)
      }
      keepFirst(byClient, grant.client_id, grant)
      if (grant.default_for === 'third_party_clients') {
        keepFirst(this.thirdPartyGrants, grant.audience, grant)
      }
    }
    const organizations = data.organizations ?? []
    for (let at = 0; at < organizations.length; at++) {
      const org = organizations[at] as Organization
      keepFirst(this.orgsById, org.id, { org, at })
      keepFirst(this.orgsByName, org.name, { org, at })
      this.orgGrants.set(org, new Set(org.client_grant_ids))
    }
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
    return this.clientGrants.get(audience)?.get(clientId)
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

function keepFirst<V>(map: Map<string, V>, key: string, value: V): void {
  if (!map.has(key)) map.set(key, value)
}

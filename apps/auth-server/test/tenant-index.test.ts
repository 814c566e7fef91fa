import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TenantState } from '../src/state/tenant-state.js'
import { isAuth0ManagementAudience } from '../src/tenant/issuer.js'
import type {
  Client,
  ClientGrant,
  Organization,
  ResourceServer,
  Tenant,
} from '../src/tenant/model.js'

// The tenant's lookups (`TenantState`) answer from maps now. Each must answer
// what the scan in array order it replaced answered — first match wins, even
// with duplicate keys — and follow every change the Management API makes.

/** The scans the lookups were, over the state's arrays as they are. */
const scan = {
  client: (s: TenantState, id: string) => s.clients.find((c) => c.client_id === id),
  resourceServer: (s: TenantState, id: string) => s.resourceServers.find((r) => r.id === id),
  byIdentifier: (s: TenantState, identifier: string) =>
    s.resourceServers.find((r) => r.identifier === identifier),
  forAudience(s: TenantState, audience: string) {
    let system: ResourceServer | undefined
    for (const api of s.resourceServers) {
      if (api.identifier === audience) return api
      if (api.is_system) system ??= api
    }
    return isAuth0ManagementAudience(audience) ? system : undefined
  },
  clientGrant: (s: TenantState, id: string) => s.clientGrants.find((g) => g.id === id),
  grantFor(s: TenantState, clientId: string, audience: string, thirdParty: boolean) {
    const forClients = (g: ClientGrant) => g.audience === audience && g.subject_type !== 'user'
    const own = s.clientGrants.find((g) => forClients(g) && g.client_id === clientId)
    if (own || !thirdParty) return own
    return s.clientGrants.find((g) => forClients(g) && g.default_for === 'third_party_clients')
  },
  organization: (s: TenantState, idOrName: string, byName: boolean) =>
    s.organizations.find((o) => o.id === idOrName || (byName && o.name === idOrName)),
}

// Few distinct keys, so that duplicates and cross-matches (an org's name equal
// to another's id) are common.
const key = fc.constantFrom('a', 'b', 'c', 'd', '')
const audience = fc.constantFrom('urn:a', 'urn:b', 'https://x.auth0.com/api/v2/', '')

const client = fc.record({ client_id: key, name: key }).map(
  ({ client_id, name }): Client => ({
    client_id,
    name,
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_post',
    client_metadata: {},
    client_secret_hash: 'sha256$x',
  }),
)
const api = fc
  .record({ id: key, identifier: audience, is_system: fc.boolean() })
  .map(
    ({ id, identifier, is_system }): ResourceServer =>
      ({ id, identifier, name: id, scopes: [], is_system }) as unknown as ResourceServer,
  )
const grant = fc
  .record({
    id: key,
    client_id: key,
    audience,
    subject_type: fc.constantFrom(undefined, 'client', 'user'),
    third: fc.boolean(),
  })
  .map(({ id, client_id, audience, subject_type, third }): ClientGrant => {
    const made: ClientGrant = { id, client_id, audience, scope: [] }
    if (subject_type) made.subject_type = subject_type as 'client' | 'user'
    if (third) made.default_for = 'third_party_clients'
    return made
  })
const organization = fc.record({ id: key, name: key, grants: fc.array(key, { maxLength: 3 }) }).map(
  ({ id, name, grants }): Organization => ({
    id,
    name,
    display_name: name,
    metadata: {},
    client_grant_ids: grants,
  }),
)

/** A change through `TenantState`'s own methods, as the Management API makes them. */
const change = fc.oneof(
  client.map((c) => (s: TenantState) => s.addClient(c)),
  key.map((id) => (s: TenantState) => s.deleteClient(id)),
  fc.tuple(key, key).map(
    ([id, name]) =>
      (s: TenantState) =>
        s.updateClient(id, { name }),
  ),
  api.map((a) => (s: TenantState) => s.addResourceServer(a)),
  key.map((id) => (s: TenantState) => s.deleteResourceServer(id)),
  grant.map((g) => (s: TenantState) => s.addClientGrant(g)),
  key.map((id) => (s: TenantState) => s.deleteClientGrant(id)),
  fc.tuple(key, fc.constantFrom(undefined, 'client', 'user')).map(
    ([id, subject_type]) =>
      (s: TenantState) =>
        s.updateClientGrant(id, { subject_type: subject_type as ClientGrant['subject_type'] }),
  ),
  fc.tuple(key, fc.boolean()).map(
    ([id, third]) =>
      (s: TenantState) =>
        s.updateClientGrant(id, { default_for: third ? 'third_party_clients' : undefined }),
  ),
  fc.tuple(key, fc.boolean()).map(
    ([id, system]) =>
      (s: TenantState) =>
        s.updateResourceServer(id, { is_system: system }),
  ),
  organization.map((o) => (s: TenantState) => s.addOrganization(o)),
  key.map((id) => (s: TenantState) => s.deleteOrganization(id)),
  fc.tuple(key, key).map(
    ([id, name]) =>
      (s: TenantState) =>
        s.updateOrganization(id, { name }),
  ),
  fc.tuple(key, fc.array(key, { maxLength: 3 })).map(
    ([id, grants]) =>
      (s: TenantState) =>
        s.updateOrganization(id, { client_grant_ids: grants }),
  ),
)

function stateOf(data: {
  clients: Client[]
  clientGrants: ClientGrant[]
  resourceServers: ResourceServer[]
  organizations: Organization[]
}): TenantState {
  return new TenantState({ settings: {} } as Tenant, structuredClone(data), undefined)
}

function expectLookupsAsScans(s: TenantState): void {
  for (const k of ['a', 'b', 'c', 'd', '', 'z']) {
    expect(s.client(k)).toBe(scan.client(s, k))
    expect(s.clientNamed(k)).toBe(s.clients.find((c) => c.name === k))
    expect(s.resourceServer(k)).toBe(scan.resourceServer(s, k))
    expect(s.clientGrant(k)).toBe(scan.clientGrant(s, k))
    for (const byName of [true, false]) {
      expect(s.organization(k, { byName })).toBe(scan.organization(s, k, byName))
    }
    expect(s.organizationNamed(k)).toBe(s.organizations.find((o) => o.name === k))
    for (const org of s.organizations) {
      expect(s.organizationHasGrant(org, k)).toBe(org.client_grant_ids.includes(k))
    }
    for (const aud of ['urn:a', 'urn:b', 'https://x.auth0.com/api/v2/', '', 'urn:z']) {
      for (const thirdParty of [true, false]) {
        expect(s.grantFor(k, aud, { thirdParty })).toBe(scan.grantFor(s, k, aud, thirdParty))
      }
    }
  }
  for (const aud of ['urn:a', 'urn:b', 'https://x.auth0.com/api/v2/', '', 'urn:z']) {
    expect(s.resourceServerByIdentifier(aud)).toBe(scan.byIdentifier(s, aud))
    expect(s.resourceServerForAudience(aud)).toBe(scan.forAudience(s, aud))
  }
}

describe('TenantState lookups by key', () => {
  it('answer what a scan in order answers, through any sequence of changes (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          clients: fc.array(client, { maxLength: 8 }),
          clientGrants: fc.array(grant, { maxLength: 10 }),
          resourceServers: fc.array(api, { maxLength: 6 }),
          organizations: fc.array(organization, { maxLength: 6 }),
        }),
        fc.array(change, { maxLength: 12 }),
        async (data, changes) => {
          const state = stateOf(data)
          expectLookupsAsScans(state)
          for (const apply of changes) {
            await apply(state)
            expectLookupsAsScans(state)
          }
        },
      ),
      { seed: 2026, numRuns: 300 },
    )
  })

  it('finds each of 10,000 clients, grants and organizations, first or last in the arrays', () => {
    const n = 10_000
    const clients = Array.from({ length: n }, (_, i) => ({
      client_id: `client-${i}`,
      name: `Client ${i}`,
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      client_metadata: {},
      client_secret_hash: 'sha256$x',
    })) as Client[]
    const clientGrants = clients.map(
      (c, i): ClientGrant => ({
        id: `cgr_${i}`,
        client_id: c.client_id,
        audience: `urn:api-${i % 10}`,
        scope: [],
      }),
    )
    const organizations = Array.from(
      { length: n },
      (_, i): Organization => ({
        id: `org_${i}`,
        name: `org-${i}`,
        display_name: `Org ${i}`,
        metadata: {},
        client_grant_ids: [`cgr_${i}`],
      }),
    )
    const resourceServers = Array.from(
      { length: 10 },
      (_, i) =>
        ({ id: `rs_${i}`, identifier: `urn:api-${i}`, scopes: [] }) as unknown as ResourceServer,
    )
    const state = stateOf({ clients, clientGrants, resourceServers, organizations })
    for (const i of [0, 1, 4_999, n - 2, n - 1]) {
      expect(state.client(`client-${i}`)?.name).toBe(`Client ${i}`)
      expect(state.grantFor(`client-${i}`, `urn:api-${i % 10}`)?.id).toBe(`cgr_${i}`)
      expect(state.grantFor(`client-${i}`, `urn:api-${(i + 1) % 10}`)).toBeUndefined()
      expect(state.clientGrant(`cgr_${i}`)?.client_id).toBe(`client-${i}`)
      expect(state.organization(`org-${i}`)?.id).toBe(`org_${i}`)
      expect(state.organization(`org_${i}`, { byName: false })?.name).toBe(`org-${i}`)
      expect(state.organization(`org-${i}`, { byName: false })).toBeUndefined()
    }
    expect(state.client(`client-${n}`)).toBeUndefined()
  })
})

import { join } from 'node:path'
import type { Client, ClientGrant, Organization, ResourceServer, Tenant } from '../tenant/model.js'
import { readJsonFile, writeFileAtomic } from './json-file.js'

interface PersistedState {
  clients: Client[]
  clientGrants: ClientGrant[]
  resourceServers: ResourceServer[]
}

export interface GeneratedSecret {
  clientName: string
  clientId: string
  clientSecret: string
}

/**
 * The tenant as it changes at run time (Management API), persisted in
 * `DATA_DIR/tenant-state.json` with owner-only permissions.
 *
 * On start the tenant file is applied over the persisted state: what the file
 * declares wins (clients by id, grants by client and audience, APIs by
 * identifier); what was created through the Management API stays. A client
 * whose secret the file does not give keeps the id and secret generated at its
 * first start, so that secret is shown once, not at every start.
 */
export async function openTenantState(
  loaded: Tenant,
  generated: GeneratedSecret[],
  dataDir: string | undefined,
): Promise<{ state: TenantState; newSecrets: GeneratedSecret[] }> {
  const file = dataDir ? join(dataDir, 'tenant-state.json') : undefined
  const persisted = file ? await readJsonFile<PersistedState>(file) : undefined
  const newSecrets: GeneratedSecret[] = []
  let data: PersistedState

  if (!persisted) {
    data = {
      clients: loaded.clients,
      clientGrants: loaded.clientGrants,
      resourceServers: loaded.resourceServers,
    }
    newSecrets.push(...generated)
  } else {
    const renamed = new Map<string, string>()
    const clients = [...persisted.clients]
    for (const client of loaded.clients) {
      const wasGenerated = generated.find((g) => g.clientId === client.client_id)
      const previous = wasGenerated && clients.find((c) => c.name === client.name)
      if (wasGenerated && previous) {
        renamed.set(client.client_id, previous.client_id)
        replace(clients, (c) => c.client_id === previous.client_id, {
          ...client,
          client_id: previous.client_id,
          client_secret_hash: previous.client_secret_hash,
        })
        continue
      }
      if (wasGenerated) newSecrets.push(wasGenerated)
      replace(clients, (c) => c.client_id === client.client_id, client)
    }
    const clientGrants = [...persisted.clientGrants]
    for (const grant of loaded.clientGrants) {
      const clientId = renamed.get(grant.client_id) ?? grant.client_id
      const fromFile = { ...grant, client_id: clientId }
      const existing = clientGrants.find(
        (g) => g.client_id === clientId && g.audience === grant.audience,
      )
      if (existing) {
        // Keep the file's grant id so organizations' references stay valid.
        replace(clientGrants, (g) => g === existing, fromFile)
      } else {
        clientGrants.push(fromFile)
      }
    }
    const resourceServers = [...persisted.resourceServers]
    for (const api of loaded.resourceServers) {
      replace(resourceServers, (r) => r.identifier === api.identifier, api)
    }
    data = { clients, clientGrants, resourceServers }
  }

  const state = new TenantState(loaded, data, file)
  await state.persist()
  return { state, newSecrets }
}

function replace<T>(list: T[], match: (item: T) => boolean, value: T): void {
  const index = list.findIndex(match)
  if (index === -1) list.push(value)
  else list[index] = value
}

/** Reads and changes of the tenant; every change is persisted before it is answered. */
export class TenantState {
  constructor(
    private readonly tenant: Tenant,
    private readonly data: PersistedState,
    private readonly file: string | undefined,
  ) {}

  get settings() {
    return this.tenant.settings
  }

  get actions() {
    return this.tenant.actions
  }

  get users() {
    return this.tenant.users
  }

  get organizations(): readonly Organization[] {
    return this.tenant.organizations
  }

  get clients(): readonly Client[] {
    return this.data.clients
  }

  get clientGrants(): readonly ClientGrant[] {
    return this.data.clientGrants
  }

  get resourceServers(): readonly ResourceServer[] {
    return this.data.resourceServers
  }

  client(clientId: string): Client | undefined {
    return this.data.clients.find((c) => c.client_id === clientId)
  }

  resourceServerByIdentifier(identifier: string): ResourceServer | undefined {
    return this.data.resourceServers.find((r) => r.identifier === identifier)
  }

  resourceServer(id: string): ResourceServer | undefined {
    return this.data.resourceServers.find((r) => r.id === id)
  }

  grantFor(clientId: string, audience: string): ClientGrant | undefined {
    return this.data.clientGrants.find((g) => g.client_id === clientId && g.audience === audience)
  }

  clientGrant(id: string): ClientGrant | undefined {
    return this.data.clientGrants.find((g) => g.id === id)
  }

  /** An organization by id or by name, as Auth0's `organization` parameter takes either. */
  organization(idOrName: string): Organization | undefined {
    return this.tenant.organizations.find((o) => o.id === idOrName || o.name === idOrName)
  }

  async addClient(client: Client): Promise<void> {
    this.data.clients.push(client)
    await this.persist()
  }

  async updateClient(clientId: string, changes: Partial<Client>): Promise<Client | undefined> {
    const client = this.client(clientId)
    if (!client) return undefined
    Object.assign(client, changes, { client_id: clientId })
    await this.persist()
    return client
  }

  async deleteClient(clientId: string): Promise<boolean> {
    const index = this.data.clients.findIndex((c) => c.client_id === clientId)
    if (index === -1) return false
    this.data.clients.splice(index, 1)
    // Auth0 deletes the client's grants with it.
    this.data.clientGrants = this.data.clientGrants.filter((g) => g.client_id !== clientId)
    await this.persist()
    return true
  }

  async addClientGrant(grant: ClientGrant): Promise<void> {
    this.data.clientGrants.push(grant)
    await this.persist()
  }

  async updateClientGrant(
    id: string,
    changes: Partial<ClientGrant>,
  ): Promise<ClientGrant | undefined> {
    const grant = this.clientGrant(id)
    if (!grant) return undefined
    Object.assign(grant, changes, { id, client_id: grant.client_id, audience: grant.audience })
    await this.persist()
    return grant
  }

  async deleteClientGrant(id: string): Promise<boolean> {
    const before = this.data.clientGrants.length
    this.data.clientGrants = this.data.clientGrants.filter((g) => g.id !== id)
    if (this.data.clientGrants.length === before) return false
    await this.persist()
    return true
  }

  async persist(): Promise<void> {
    if (this.file) await writeFileAtomic(this.file, JSON.stringify(this.data, null, 2))
  }
}

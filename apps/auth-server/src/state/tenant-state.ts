import { dirname, join } from 'node:path'
import { generateClientSecret } from '../secrets.js'
import { grantKey } from '../tenant/grant-key.js'
import type {
  Client,
  ClientGrant,
  Organization,
  ResourceServer,
  Tenant,
  TenantSettings,
} from '../tenant/model.js'
import { adoptStoredQuotas } from './adopt-stored-quotas.js'
import { CLIENT_SECRETS_ENV, clientSecretsEnv, readClientSecrets } from './client-secrets-env.js'
import { firstBy } from './first-by.js'
import { readJsonFile, writeFileAtomic } from './json-file.js'
import { TenantIndex } from './tenant-index.js'

interface PersistedState {
  clients: Client[]
  clientGrants: ClientGrant[]
  resourceServers: ResourceServer[]
  /** As the Management API last left them; the file wins for what it declares. */
  settings?: TenantSettings
  organizations?: Organization[]
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
 * Each client and grant remembers where it came from. On start the tenant
 * file is the truth for what it declares: entries that left the file are
 * gone (with their grants), and changes the Management API made to file
 * entries last until the next start — except a rotated secret, which outlives
 * the file's (possibly leaked) one, and credentials (private_key_jwt keys and
 * `client_authentication_methods`) once changed there, which outlive the
 * file's so that no key vanishes with a restart. Entries created through the Management API
 * stay. A file client without a secret keeps the id and secret generated at
 * its first start (matched by name among file clients only), so that secret
 * is shown once, not at every start.
 */
export async function openTenantState(
  loaded: Tenant,
  generated: GeneratedSecret[],
  dataDir: string | undefined,
  /** Ids the loader made up for file clients that give none: such a client keeps the id it had, by name. */
  generatedIds: Iterable<string>,
): Promise<{ state: TenantState; newSecrets: GeneratedSecret[] }> {
  const file = dataDir ? join(dataDir, 'tenant-state.json') : undefined
  const persisted = file ? await readJsonFile<PersistedState>(file) : undefined
  const knownSecrets = file
    ? await readClientSecrets(join(dirname(file), CLIENT_SECRETS_ENV))
    : new Map()
  const newSecrets: GeneratedSecret[] = []
  const previousFileClients = (persisted?.clients ?? []).filter((c) => c.source !== 'api')
  const renamed = new Map<string, string>()

  /**
   * A file client with the id and secret it had: a generated id (`keepPreviousId`),
   * a generated secret and a rotated one are kept.
   */
  function withSecretKept(
    client: Client,
    wasGenerated: GeneratedSecret | undefined,
    previous: Client | undefined,
    keepPreviousId: boolean,
  ): Client {
    let kept = client
    if (previous && keepPreviousId) {
      renamed.set(client.client_id, previous.client_id)
      kept = { ...client, client_id: previous.client_id }
    }
    if (wasGenerated && previous) {
      return {
        ...withSecretOf(kept, previous, knownSecrets),
        ...(previous.secret_rotated_at ? { secret_rotated_at: previous.secret_rotated_at } : {}),
        source: 'file',
      }
    }
    if (wasGenerated) newSecrets.push(wasGenerated)
    if (previous?.secret_rotated_at) {
      return {
        ...withSecretOf(kept, previous, knownSecrets),
        secret_rotated_at: previous.secret_rotated_at,
        source: 'file',
      }
    }
    return { ...kept, source: 'file' }
  }
  // Maps of the first match a scan would find: a start is linear in the tenant's size.
  const generatedById = firstBy(generated, (g) => g.clientId)
  const previousByName = firstBy(previousFileClients, (c) => c.name)
  const previousById = firstBy(previousFileClients, (c) => c.client_id)
  const idGenerated = new Set(generatedIds)
  // An id the file gives is that client's: nobody else takes it over by name.
  const givenIds = new Set(
    loaded.clients.map((c) => c.client_id).filter((id) => !idGenerated.has(id)),
  )
  const fileClients = loaded.clients.map((client): Client => {
    const wasGenerated = generatedById.get(client.client_id)
    const idWasGenerated = idGenerated.has(client.client_id)
    const named = previousByName.get(client.name)
    const previous = idWasGenerated
      ? named && !givenIds.has(named.client_id)
        ? named
        : undefined
      : previousById.get(client.client_id)
    return withCredentialsOf(
      withSecretKept(client, wasGenerated, previous, idWasGenerated),
      previous,
    )
  })

  const fileIds = new Set(fileClients.map((c) => c.client_id))
  const apiClients = (persisted?.clients ?? [])
    .filter((c) => c.source === 'api' && !fileIds.has(c.client_id))
    .map((c) => withSecretOf(c, c, knownSecrets))
  const clients = [...fileClients, ...apiClients]
  const clientIds = new Set(clients.map((c) => c.client_id))

  // Ids stay what they were at the last start (Auth0's never change): a file grant keeps
  // the id of the same client and API, a file API that of its identifier, a file
  // organization that of its name.
  const grantIds = new Map<string, string>()
  const previousFileGrants = firstBy(
    (persisted?.clientGrants ?? []).filter((g) => g.source === 'file'),
    (g) => grantKey(g.client_id, g.audience),
  )
  const fileGrants = loaded.clientGrants.map((grant): ClientGrant => {
    const clientId = renamed.get(grant.client_id) ?? grant.client_id
    const previous = previousFileGrants.get(grantKey(clientId, grant.audience))
    const id = previous?.id ?? grant.id
    grantIds.set(grant.id, id)
    return { ...grant, id, client_id: clientId, source: 'file' }
  })
  const fileGrantKeys = new Set(fileGrants.map((g) => grantKey(g.client_id, g.audience)))
  const apiGrants = (persisted?.clientGrants ?? []).filter(
    (g) =>
      g.source === 'api' &&
      (clientIds.has(g.client_id) || g.default_for !== undefined) &&
      !fileGrantKeys.has(grantKey(g.client_id, g.audience)),
  )
  const previousApis = firstBy(persisted?.resourceServers ?? [], (api) => api.identifier)
  const fileApis = new Set(loaded.resourceServers.map((api) => api.identifier))
  const previousOrgs = firstBy(persisted?.organizations ?? [], (org) => org.name)
  const fileOrgs = new Set(loaded.organizations.map((org) => org.name))

  const data: PersistedState = {
    settings: { ...persisted?.settings, ...loaded.settings },
    clients,
    clientGrants: [...fileGrants, ...apiGrants],
    resourceServers: [
      ...loaded.resourceServers.map((api) => {
        const previous = previousApis.get(api.identifier)
        return withSigningSecret({ ...api, id: previous?.id ?? api.id, source: 'file' }, previous)
      }),
      // APIs created through the Management API stay, unless the file now declares the same.
      ...(persisted?.resourceServers ?? []).filter(
        (api) => api.source === 'api' && !fileApis.has(api.identifier),
      ),
    ],
    organizations: [
      ...loaded.organizations.map((org): Organization => {
        const previous = previousOrgs.get(org.name)
        return {
          ...org,
          id: previous?.id ?? org.id,
          client_grant_ids: org.client_grant_ids.map((id) => grantIds.get(id) ?? id),
          source: 'file',
        }
      }),
      ...(persisted?.organizations ?? []).filter(
        (org) => org.source === 'api' && !fileOrgs.has(org.name),
      ),
    ],
  }
  // An organization keeps links to grants that still exist only.
  const liveGrants = new Set(data.clientGrants.map((g) => g.id))
  for (const org of data.organizations ?? []) {
    org.client_grant_ids = org.client_grant_ids.filter((id) => liveGrants.has(id))
  }
  adoptStoredQuotas(data.settings, data.organizations)
  const state = new TenantState(loaded, data, file)
  await state.persist()
  return { state, newSecrets }
}

/**
 * An HS256 API without a signing secret in the file keeps the one it had at the
 * last start (`previous`, the same identifier's), or gets a new one (Auth0
 * generates it when the API is created).
 */
function withSigningSecret(
  api: ResourceServer,
  previous: ResourceServer | undefined,
): ResourceServer {
  if (api.signing_alg !== 'HS256' || api.signing_secret !== undefined) return api
  return { ...api, signing_secret: previous?.signing_secret ?? generateClientSecret() }
}

/**
 * A file client's credentials across a restart. Once the Management API changed
 * them (or the authentication methods), the last state wins over the file's, as
 * a rotated secret does: keys are not to vanish with a restart. Otherwise the
 * file's credentials are used, each keeping the id and dates it had (same key,
 * same credential, as Auth0's ids never change).
 */
function withCredentialsOf(client: Client, previous: Client | undefined): Client {
  if (!previous) return client
  if (previous.credentials_changed_at !== undefined) {
    const { credentials: _file, client_authentication_methods: _fileMethods, ...rest } = client
    return {
      ...rest,
      ...(previous.credentials && { credentials: previous.credentials }),
      ...(previous.client_authentication_methods && {
        client_authentication_methods: previous.client_authentication_methods,
      }),
      credentials_changed_at: previous.credentials_changed_at,
    }
  }
  if (!client.credentials) return client
  const ids = new Map<string, string>()
  const credentials = client.credentials.map((credential) => {
    const before = previous.credentials?.find(
      (p) => p.kid === credential.kid && p.pem === credential.pem,
    )
    if (!before) return credential
    ids.set(credential.id, before.id)
    const unchanged =
      before.name === credential.name &&
      before.alg === credential.alg &&
      before.expires_at === credential.expires_at
    return {
      ...credential,
      id: before.id,
      created_at: before.created_at,
      updated_at: unchanged ? before.updated_at : credential.updated_at,
    }
  })
  const methods = client.client_authentication_methods
  const enabled = methods?.private_key_jwt?.credentials
  return {
    ...client,
    credentials,
    ...(methods &&
      enabled && {
        client_authentication_methods: {
          ...methods,
          private_key_jwt: { credentials: enabled.map(({ id }) => ({ id: ids.get(id) ?? id })) },
        },
      }),
  }
}

/** `client` with the secret of `previous`: its hash, and its text when `known` holds it. */
function withSecretOf(
  client: Client,
  previous: Client,
  known: ReadonlyMap<string, string>,
): Client {
  const { client_secret: _given, ...rest } = client
  const text = known.get(previous.client_id)
  return {
    ...rest,
    client_secret_hash: previous.client_secret_hash,
    ...(text === undefined ? {} : { client_secret: text }),
  }
}

/** Reads and changes of the tenant; every change is persisted before it is answered. */
export class TenantState {
  /** Made on the first lookup after a change: every change goes through `persist()`, which drops it. */
  private index: TenantIndex | undefined

  constructor(
    private readonly tenant: Tenant,
    private readonly data: PersistedState,
    private readonly file: string | undefined,
  ) {}

  private get indexed(): TenantIndex {
    this.index ??= new TenantIndex(this.data)
    return this.index
  }

  get settings(): TenantSettings {
    return this.data.settings ?? this.tenant.settings
  }

  async updateSettings(changes: TenantSettings): Promise<TenantSettings> {
    this.data.settings = { ...this.settings, ...changes }
    await this.persist()
    return this.data.settings
  }

  get actions() {
    return this.tenant.actions
  }

  get users() {
    return this.tenant.users
  }

  get organizations(): readonly Organization[] {
    return this.data.organizations ?? []
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
    return this.indexed.client(clientId)
  }

  /** The first client of this name (names need not be unique through the Management API). */
  clientNamed(name: string): Client | undefined {
    return this.indexed.clientNamed(name)
  }

  resourceServerByIdentifier(identifier: string): ResourceServer | undefined {
    return this.indexed.resourceServerByIdentifier(identifier)
  }

  /**
   * The API a token request's `audience` names: a declared identifier, or the
   * Management API for the Management API audience of an Auth0 tenant (an
   * exported client asks for its own tenant's).
   */
  resourceServerForAudience(audience: string): ResourceServer | undefined {
    return this.indexed.resourceServerForAudience(audience)
  }

  resourceServer(id: string): ResourceServer | undefined {
    return this.indexed.resourceServer(id)
  }

  /**
   * The grant that lets `clientId` get tokens for `audience` by client credentials:
   * its own (`subject_type` client), else, for a third-party client, the API's
   * `default_for: third_party_clients` grant, as Auth0 applies them.
   */
  grantFor(
    clientId: string,
    audience: string,
    options: { thirdParty?: boolean } = {},
  ): ClientGrant | undefined {
    const own = this.indexed.ownGrant(clientId, audience)
    if (own || !options.thirdParty) return own
    return this.indexed.thirdPartyGrant(audience)
  }

  clientGrant(id: string): ClientGrant | undefined {
    return this.indexed.clientGrant(id)
  }

  /** An organization by id, or also by name (Auth0's `organization` parameter takes either where the tenant allows names). */
  organization(
    idOrName: string,
    options: { byName: boolean } = { byName: true },
  ): Organization | undefined {
    return this.indexed.organization(idOrName, options.byName)
  }

  /** The first organization of this name. */
  organizationNamed(name: string): Organization | undefined {
    return this.indexed.organizationNamed(name)
  }

  /** Whether the organization may be used with the client grant `grantId` (its `client_grants`). */
  organizationHasGrant(org: Organization, grantId: string): boolean {
    return this.indexed.organizationHasGrant(org, grantId)
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
    this.pruneOrganizationGrants()
    await this.persist()
    return true
  }

  async addResourceServer(api: ResourceServer): Promise<void> {
    this.data.resourceServers.push(api)
    await this.persist()
  }

  /** Changes an API (never its id or identifier); grants lose the scopes it no longer has. */
  async updateResourceServer(
    id: string,
    changes: Partial<ResourceServer>,
  ): Promise<ResourceServer | undefined> {
    const api = this.resourceServer(id)
    if (!api) return undefined
    Object.assign(api, changes, { id, identifier: api.identifier })
    if (changes.scopes) {
      const known = new Set(api.scopes.map((s) => s.value))
      for (const grant of this.data.clientGrants) {
        if (grant.audience === api.identifier) grant.scope = grant.scope.filter((s) => known.has(s))
      }
    }
    await this.persist()
    return api
  }

  /** Deletes an API and the grants to it, as Auth0 does. */
  async deleteResourceServer(id: string): Promise<boolean> {
    const api = this.resourceServer(id)
    if (!api) return false
    this.data.resourceServers = this.data.resourceServers.filter((r) => r.id !== id)
    this.data.clientGrants = this.data.clientGrants.filter((g) => g.audience !== api.identifier)
    this.pruneOrganizationGrants()
    await this.persist()
    return true
  }

  async addOrganization(org: Organization): Promise<void> {
    this.data.organizations = [...this.organizations, org]
    await this.persist()
  }

  async updateOrganization(
    id: string,
    changes: Partial<Organization>,
  ): Promise<Organization | undefined> {
    const org = this.organization(id, { byName: false })
    if (!org) return undefined
    Object.assign(org, changes, { id })
    await this.persist()
    return org
  }

  async deleteOrganization(id: string): Promise<boolean> {
    const before = this.organizations.length
    this.data.organizations = this.organizations.filter((o) => o.id !== id)
    if (this.data.organizations.length === before) return false
    await this.persist()
    return true
  }

  /** Drops grants that no longer exist from every organization's list. */
  private pruneOrganizationGrants(): void {
    const live = new Set(this.data.clientGrants.map((g) => g.id))
    for (const org of this.organizations) {
      org.client_grant_ids = org.client_grant_ids.filter((id) => live.has(id))
    }
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
    this.pruneOrganizationGrants()
    await this.persist()
    return true
  }

  async persist(): Promise<void> {
    this.index = undefined
    if (!this.file) return
    // Secrets in plain text go to client-secrets.env only; the state keeps their hashes.
    const clients = this.data.clients.map(({ client_secret: _text, ...client }) => client)
    await writeFileAtomic(this.file, JSON.stringify({ ...this.data, clients }, null, 2))
    await writeFileAtomic(
      join(dirname(this.file), CLIENT_SECRETS_ENV),
      clientSecretsEnv(this.data.clients),
    )
  }
}

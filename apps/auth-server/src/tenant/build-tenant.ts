import { randomBytes } from 'node:crypto'
import { buildPublicKeyCredential } from '../credentials/public-key-credential.js'
import { AUTH0_MANAGEMENT_API_SCOPES } from '../management/auth0-management-api-scopes.js'
import {
  generateClientId,
  generateClientSecret,
  generateId,
  hashGeneratedSecret,
  hashSecret,
} from '../secrets.js'
import { firstBy } from '../state/first-by.js'
import { buildActions } from './build-actions.js'
import { describePath } from './document-path.js'
import { grantKey } from './grant-key.js'
import { apiForAudience, managementApiAudience } from './issuer.js'
import type { DocumentPath } from './keyword-replace.js'
import type {
  Client,
  ClientAuthenticationMethods,
  ClientCredential,
  ClientGrant,
  Organization,
  ResourceServer,
  Tenant,
  TenantSettings,
  User,
} from './model.js'
import type { Build } from './section-build.js'
import type { ClientEntry, TenantDocument } from './tenant-schema.js'
import { normalizeDefaultTokenQuota, normalizeTokenQuota } from './token-quota-config.js'

// Building the in-memory Tenant from a validated document: references
// checked (grants, organizations, triggers, action files), defaults applied,
// secrets generated and hashed.

/** Defaults applied to entries that leave a field out (Auth0's own defaults). */
export const TENANT_DEFAULTS = Object.freeze({
  appType: 'non_interactive',
  /** Only for `non_interactive` clients; other app types get no grant type. */
  grantTypes: Object.freeze(['client_credentials']),
  tokenEndpointAuthMethod: 'client_secret_post',
  tokenLifetime: 86_400,
  signingAlg: 'RS256',
  tokenDialect: 'access_token',
} as const)

/** A client secret the loader generated: show it once, it is stored only hashed. */
export interface GeneratedSecret {
  clientName: string
  clientId: string
  clientSecret: string
}

export interface LoadedTenant {
  tenant: Tenant
  /** Secrets generated for clients the file gives none, in file order. */
  generatedSecrets: GeneratedSecret[]
  /** Ids generated for clients the file gives none, in file order. */
  generatedClientIds: string[]
  /**
   * Top-level sections of the file that the local tenant does not read (pages,
   * connections, emailTemplates, …: nothing M2M), in file order.
   */
  ignoredSections: string[]
}

export async function buildTenant(
  doc: TenantDocument,
  issuer: string,
  baseDir: string,
): Promise<{ problems: string[]; loaded: LoadedTenant }> {
  const problems: string[] = []
  const at = (...path: DocumentPath) => describePath(doc, path)
  const build: Build = {
    doc,
    at,
    report: (path, message) => {
      problems.push(`${at(...path)}: ${message}`)
    },
  }

  const resourceServers = buildResourceServers(build, issuer)
  const apis = new Map(resourceServers.map((api) => [api.identifier, api]))
  const clients = buildClients(build)
  const grants = buildClientGrants(build, apis, clients.find)
  const tenant: Tenant = {
    settings: buildSettings(build, apis),
    resourceServers,
    clients: clients.list,
    clientGrants: grants.list,
    organizations: buildOrganizations(build, clients.find, grants.find),
    actions: await buildActions(build, baseDir),
    users: buildUsers(build),
  }
  if (problems.length > 0) {
    return {
      problems,
      loaded: { tenant, generatedSecrets: [], generatedClientIds: [], ignoredSections: [] },
    }
  }

  // Hashed only now that nothing is left to reject: scrypt (a secret the file gives) is deliberately slow.
  const hashes = await Promise.all(
    clients.secrets.map(({ text, generated }) =>
      generated ? hashGeneratedSecret(text) : hashSecret(text),
    ),
  )
  clients.list.forEach((client, i) => {
    client.client_secret_hash = hashes[i] as string
  })
  return {
    problems,
    loaded: {
      tenant,
      generatedSecrets: clients.generated,
      generatedClientIds: clients.generatedIds,
      ignoredSections: [],
    },
  }
}

/** The Management API first (it cannot be redeclared), then the file's APIs. */
function buildResourceServers({ doc, at, report }: Build, issuer: string): ResourceServer[] {
  const managementApi: ResourceServer = {
    id: generateId('rs'),
    name: 'Auth0 Management API',
    identifier: managementApiAudience(issuer),
    scopes: AUTH0_MANAGEMENT_API_SCOPES.map((value) => ({ value })),
    signing_alg: TENANT_DEFAULTS.signingAlg,
    token_lifetime: TENANT_DEFAULTS.tokenLifetime,
    token_dialect: TENANT_DEFAULTS.tokenDialect,
    is_system: true,
  }
  const list = [managementApi]
  const firstIndex = new Map<string, number>()
  ;(doc.resourceServers ?? []).forEach((entry, i) => {
    const path = ['resourceServers', i, 'identifier']
    if (entry.identifier === managementApi.identifier) {
      report(path, `"${entry.identifier}" is the Management API, which the local tenant defines`)
      return
    }
    const first = firstIndex.get(entry.identifier)
    if (first !== undefined) {
      report(path, `duplicate API identifier, also used by ${at('resourceServers', first)}`)
      return
    }
    firstIndex.set(entry.identifier, i)

    const scopes = entry.scopes ?? []
    const scopeAt = new Map<string, number>()
    scopes.forEach((scope, k) => {
      const same = scopeAt.get(scope.value) ?? k
      scopeAt.set(scope.value, same)
      if (same < k) {
        report(
          ['resourceServers', i, 'scopes', k, 'value'],
          `duplicate scope, also scopes[${same}]`,
        )
      }
    })
    list.push({
      id: generateId('rs'),
      name: entry.name,
      identifier: entry.identifier,
      scopes: scopes.map(({ value, description }) =>
        description === undefined ? { value } : { value, description },
      ),
      signing_alg: entry.signing_alg ?? TENANT_DEFAULTS.signingAlg,
      // An HS256 API without one gets its secret when the tenant state opens (kept across starts).
      ...(entry.signing_secret === undefined ? {} : { signing_secret: entry.signing_secret }),
      token_lifetime: entry.token_lifetime ?? TENANT_DEFAULTS.tokenLifetime,
      token_dialect: entry.token_dialect ?? TENANT_DEFAULTS.tokenDialect,
      ...(entry.proof_of_possession
        ? { proof_of_possession: { ...entry.proof_of_possession } }
        : {}),
    })
  })
  return list
}

/**
 * Clients with their defaults. Plain secrets are kept apart (`secrets`, same
 * order as `list`) until hashed; `find` resolves a grant's `client_id`, which
 * the Deploy CLI writes as the client's name (a client id is accepted too).
 */
function buildClients(build: Build) {
  const { doc, at, report } = build
  const list: Client[] = []
  const secrets: Array<{ text: string; generated: boolean }> = []
  const generated: GeneratedSecret[] = []
  const generatedIds: string[] = []
  // Where each name and id first appears: every entry is listed, so a place in `list` is one in the file.
  const nameAt = new Map<string, number>()
  const idAt = new Map<string, number>()

  ;(doc.clients ?? []).forEach((entry, i) => {
    const clientId = entry.client_id ?? generateClientId()
    if (entry.client_id === undefined) generatedIds.push(clientId)
    const sameName = nameAt.get(entry.name)
    if (sameName !== undefined) {
      report(['clients', i, 'name'], `duplicate client name, also used by clients[${sameName}]`)
    }
    const sameId = idAt.get(clientId)
    if (sameId !== undefined) {
      report(
        ['clients', i, 'client_id'],
        `duplicate client_id, also used by ${at('clients', sameId)}`,
      )
    }

    let secret = entry.client_secret
    const generatedSecret = secret === undefined
    if (secret === undefined) {
      secret = generateClientSecret()
      generated.push({ clientName: entry.name, clientId, clientSecret: secret })
    }
    const appType = entry.app_type ?? TENANT_DEFAULTS.appType
    const defaultGrantTypes = appType === 'non_interactive' ? TENANT_DEFAULTS.grantTypes : []
    const client: Client = {
      client_id: clientId,
      name: entry.name,
      ...(entry.description === undefined ? {} : { description: entry.description }),
      app_type: appType,
      grant_types: [...(entry.grant_types ?? defaultGrantTypes)],
      // private_key_jwt lives in client_authentication_methods; the secret method stays
      // what a switch back to the secret would use.
      token_endpoint_auth_method:
        entry.token_endpoint_auth_method === undefined ||
        entry.token_endpoint_auth_method === 'private_key_jwt'
          ? TENANT_DEFAULTS.tokenEndpointAuthMethod
          : entry.token_endpoint_auth_method,
      client_metadata: { ...entry.client_metadata },
      ...(entry.default_organization && {
        default_organization: {
          organization_id: entry.default_organization.organization_id,
          flows: [...entry.default_organization.flows],
        },
      }),
      client_secret_hash: '',
      client_secret: secret,
      ...buildAuthenticationMethods(build, entry, i),
      ...(entry.token_quota && { token_quota: normalizeTokenQuota(entry.token_quota) }),
    }
    if (!nameAt.has(client.name)) nameAt.set(client.name, list.length)
    if (!idAt.has(client.client_id)) idAt.set(client.client_id, list.length)
    list.push(client)
    secrets.push({ text: secret, generated: generatedSecret })
  })

  const find = (ref: string): Client | undefined => {
    const at = nameAt.get(ref) ?? idAt.get(ref)
    return at === undefined ? undefined : list[at]
  }
  return { list, secrets, generated, generatedIds, find }
}

/**
 * A client's `client_authentication_methods` and credentials, in the Deploy
 * CLI's shape (`private_key_jwt: { credentials: [{ name, pem, alg, … }] }`),
 * or `token_endpoint_auth_method: private_key_jwt`. Every credential with a
 * `pem` is registered and enabled; one without (an export never holds the
 * key) is skipped, so the client waits for keys from the Management API.
 */
function buildAuthenticationMethods(
  { report }: Build,
  entry: ClientEntry,
  index: number,
): {
  credentials?: ClientCredential[]
  client_authentication_methods?: ClientAuthenticationMethods
} {
  const given = entry.client_authentication_methods
  const privateKeyJwt =
    given?.private_key_jwt !== undefined || entry.token_endpoint_auth_method === 'private_key_jwt'
  if (!privateKeyJwt) return {}
  const path = ['clients', index, 'client_authentication_methods', 'private_key_jwt', 'credentials']
  const now = new Date()
  const credentials: ClientCredential[] = []
  ;(given?.private_key_jwt?.credentials ?? []).forEach((input, k) => {
    if (input.pem === undefined) return
    const built = buildPublicKeyCredential(input, { now, refusePastExpiry: false })
    if (!built.ok) {
      report([...path, k, built.problem.field], built.problem.message)
      return
    }
    const same = credentials.findIndex((other) => other.kid === built.credential.kid)
    if (same !== -1) {
      report([...path, k], `the same kid as credentials[${same}] (${built.credential.kid})`)
      return
    }
    credentials.push(built.credential)
  })
  return {
    credentials,
    client_authentication_methods: {
      private_key_jwt: { credentials: credentials.map(({ id }) => ({ id })) },
      ...(given?.client_secret_post && { client_secret_post: {} }),
      ...(given?.client_secret_basic && { client_secret_basic: {} }),
    },
  }
}

type FindClient = (ref: string) => Client | undefined
/** What a `default_for` grant has for a client: none (its `client_id` is ''). */
const DEFAULT_GRANT_CLIENT = { client_id: '' } as const

/** A client's grant for `audience`; without an audience, its first grant in file order. */
type FindGrant = (clientId: string, audience?: string) => ClientGrant | undefined

/** Grants resolved to client ids; every scope must exist on the API. */
function buildClientGrants(
  { doc, report }: Build,
  apis: ReadonlyMap<string, ResourceServer>,
  findClient: FindClient,
) {
  const list: ClientGrant[] = []
  const firstIndex = new Map<string, number>()
  const key = grantKey

  ;(doc.clientGrants ?? []).forEach((entry, i) => {
    if ((entry.client_id === undefined) === (entry.default_for === undefined)) {
      report(['clientGrants', i], 'needs client_id or default_for (one of them)')
      return
    }
    // A default grant names no client: it stands for every third-party client.
    const client =
      entry.client_id === undefined ? DEFAULT_GRANT_CLIENT : findClient(entry.client_id)
    if (!client) report(['clientGrants', i, 'client_id'], `no client named "${entry.client_id}"`)
    // An export's grant to its own tenant's Management API is a grant to the local one.
    const api = apis.get(entry.audience) ?? apiForAudience(apis.values(), entry.audience)
    if (!api) report(['clientGrants', i, 'audience'], `no API with identifier "${entry.audience}"`)
    const scope = entry.scope ?? []
    if (api) {
      const known = new Set(api.scopes.map((s) => s.value))
      scope.forEach((value, k) => {
        if (!known.has(value)) {
          report(
            ['clientGrants', i, 'scope', k],
            `"${value}" is not a scope of "${api.identifier}"`,
          )
        }
      })
    }
    if (!client || !api) return

    const first = firstIndex.get(key(client.client_id, api.identifier))
    if (first !== undefined) {
      report(['clientGrants', i], `duplicate grant: clientGrants[${first}] grants the same API`)
      return
    }
    firstIndex.set(key(client.client_id, api.identifier), i)
    list.push({
      id: generateId('cgr'),
      client_id: client.client_id,
      audience: api.identifier,
      scope: [...new Set(scope)],
      ...(entry.default_for === undefined ? {} : { default_for: entry.default_for }),
      ...(entry.subject_type === undefined ? {} : { subject_type: entry.subject_type }),
      ...(entry.allow_all_scopes === undefined ? {} : { allow_all_scopes: entry.allow_all_scopes }),
      ...(entry.organization_usage === undefined
        ? {}
        : { organization_usage: entry.organization_usage }),
      ...(entry.allow_any_organization === undefined
        ? {}
        : { allow_any_organization: entry.allow_any_organization }),
    })
  })

  const byKey = new Map(list.map((grant) => [key(grant.client_id, grant.audience), grant]))
  const firstOfClient = firstBy(list, (grant) => grant.client_id)
  const find: FindGrant = (clientId, audience) => {
    if (audience === undefined) return firstOfClient.get(clientId)
    const api = apis.get(audience) ?? apiForAudience(apis.values(), audience)
    return api && byKey.get(key(clientId, api.identifier))
  }
  return { list, find }
}

/**
 * Organizations, each with the grants it may use. An export names each by its
 * client alone (`client_grants: [{ client_id: <name> }]`): the Deploy CLI then
 * takes that client's first grant, and so does this. An `audience` beside it
 * (a local extension) picks the grant to that API.
 */
function buildOrganizations(
  { doc, report }: Build,
  findClient: FindClient,
  findGrant: FindGrant,
): Organization[] {
  const list: Organization[] = []
  const nameAt = new Map<string, number>()
  ;(doc.organizations ?? []).forEach((entry, i) => {
    const same = nameAt.get(entry.name)
    if (same !== undefined) {
      report(
        ['organizations', i, 'name'],
        `duplicate organization name, also organizations[${same}]`,
      )
      return
    }
    const grantIds = new Set<string>()
    ;(entry.client_grants ?? []).forEach((ref, k) => {
      const path = ['organizations', i, 'client_grants', k]
      const client = findClient(ref.client_id)
      const grant = client && findGrant(client.client_id, ref.audience)
      if (!client) report([...path, 'client_id'], `no client named "${ref.client_id}"`)
      else if (!grant) {
        report(
          path,
          ref.audience === undefined
            ? `no client grant gives "${ref.client_id}" an API`
            : `no client grant gives "${ref.client_id}" "${ref.audience}"`,
        )
      } else grantIds.add(grant.id)
    })
    nameAt.set(entry.name, i)
    list.push({
      id: generateId('org'),
      name: entry.name,
      display_name: entry.display_name ?? entry.name,
      metadata: { ...entry.metadata },
      client_grant_ids: [...grantIds],
      ...(entry.token_quota && { token_quota: normalizeTokenQuota(entry.token_quota) }),
    })
  })
  return list
}

/** Local users; every field is kept. Ids default to Auth0's shape, `auth0|<24 hex>`. */
function buildUsers({ doc, report }: Build): User[] {
  const list: User[] = []
  const idAt = new Map<string, number>()
  ;(doc.users ?? []).forEach((entry, i) => {
    const userId = entry.user_id ?? `auth0|${randomBytes(12).toString('hex')}`
    const same = idAt.get(userId)
    if (same !== undefined)
      report(['users', i, 'user_id'], `duplicate user_id, also users[${same}]`)
    else {
      idAt.set(userId, i)
      list.push({ ...entry, user_id: userId })
    }
  })
  return list
}

function buildSettings(
  { doc, report }: Build,
  apis: ReadonlyMap<string, ResourceServer>,
): TenantSettings {
  const settings: TenantSettings = {}
  const {
    friendly_name,
    default_audience,
    allow_organization_name_in_authentication_api,
    default_token_quota,
  } = doc.tenant ?? {}
  if (friendly_name !== undefined) settings.friendly_name = friendly_name
  const quotas = default_token_quota && normalizeDefaultTokenQuota(default_token_quota)
  if (quotas) settings.default_token_quota = quotas
  if (allow_organization_name_in_authentication_api !== undefined) {
    settings.allow_organization_name_in_authentication_api =
      allow_organization_name_in_authentication_api
  }
  if (default_audience !== undefined) {
    if (apis.has(default_audience)) settings.default_audience = default_audience
    else report(['tenant', 'default_audience'], `no API with identifier "${default_audience}"`)
  }
  return settings
}

/**
 * Loads an Auth0 Deploy CLI tenant file (`tenant.yaml`, or the same document
 * as JSON) into the in-memory `Tenant`.
 *
 * Steps: placeholders marked in the text → YAML/JSON parse → sections and
 * fields the local tenant does not read are dropped → keywords replaced in the
 * tree → JSON Schema validation → references checked (grants, organizations,
 * triggers, action files) → secrets hashed. Each step that can fail collects
 * every problem first and throws one coded error listing them, each naming
 * the entry and the field: `clients[2] ("Storefront").grant_types: must be array`.
 */
import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { dirname, extname, join, resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { generateClientId, generateClientSecret, generateId, hashSecret } from '../secrets.js'
import {
  TenantFormatError,
  TenantInvalidError,
  TenantKeywordError,
  TenantOptionError,
  TenantReadError,
  TenantSyntaxError,
} from './errors.js'
import {
  assertKeywordMappings,
  type DocumentPath,
  type KeywordMappings,
  markKeywords,
  parseKeywordMappings,
  replaceKeywords,
  unmarkKeywords,
} from './keyword-replace.js'
import type {
  Client,
  ClientGrant,
  CredentialsExchangeAction,
  Organization,
  ResourceServer,
  Tenant,
  TenantSettings,
  User,
} from './model.js'
import {
  pruneToSchema,
  type TenantDocument,
  tenantDocumentSchema,
  validateTenantDocument,
} from './tenant-schema.js'

/**
 * Keyword the loader always defines, so a tenant file can grant the Management
 * API without knowing the issuer: `audience: '##MANAGEMENT_API_AUDIENCE##'`
 * becomes `<issuer>api/v2/`. It overrides a mapping of the same name, which
 * could only point at an API this tenant does not have.
 */
export const MANAGEMENT_API_KEYWORD = 'MANAGEMENT_API_AUDIENCE'

/** Scopes of the local Management API (the subset of Auth0's that it serves). */
export const MANAGEMENT_API_SCOPES = [
  'read:clients',
  'create:clients',
  'update:clients',
  'delete:clients',
  'update:client_keys',
  'read:client_grants',
  'create:client_grants',
  'update:client_grants',
  'delete:client_grants',
  'read:resource_servers',
  'create:resource_servers',
  'update:resource_servers',
  'delete:resource_servers',
  'read:logs',
  'read:users',
  'read:signing_keys',
  'create:signing_keys',
  'update:signing_keys',
] as const

/** File name, beside the tenant file, of local-only keyword values (merged under the given mappings). */
export const KEYWORDS_FILE_NAME = 'keywords.json'

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

const CREDENTIALS_EXCHANGE = 'credentials-exchange'

export type TenantFileFormat = 'yaml' | 'json'

export interface LoadTenantOptions {
  /** The tenant's issuer, e.g. `http://localhost:4000/` (a missing final `/` is added). */
  issuer: string
  /** `AUTH0_KEYWORD_REPLACE_MAPPINGS`, parsed. Win over `keywords.json`. Default `{}`. */
  keywordMappings?: KeywordMappings
  /**
   * Local-only keyword values merged under `keywordMappings`. Default:
   * `keywords.json` beside the tenant file, used when it exists; `false`: none.
   */
  keywordsFile?: string | false
}

export interface ParseTenantOptions {
  /** The tenant's issuer, e.g. `http://localhost:4000/` (a missing final `/` is added). */
  issuer: string
  /** Keyword values. Default `{}`. `MANAGEMENT_API_AUDIENCE` is always added. */
  keywordMappings?: KeywordMappings
  /** Directory that actions' `code` paths are relative to (the tenant file's). */
  baseDir: string
  /** Name of the document in error messages. Default `tenant file`. */
  source?: string
}

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
}

/** `<issuer>api/v2/`: the Management API's identifier (audience). */
export function managementApiAudience(issuer: string): string {
  return `${normalizeIssuer(issuer)}api/v2/`
}

/** `.yaml`/`.yml` → yaml, `.json` → json; anything else throws `TENANT_ERR_FORMAT`. */
export function tenantFileFormat(path: string): TenantFileFormat {
  const ext = extname(path).toLowerCase()
  if (ext === '.yaml' || ext === '.yml') return 'yaml'
  if (ext === '.json') return 'json'
  throw new TenantFormatError(path)
}

/**
 * Reads and loads a tenant file. Keyword values come from `keywordMappings`
 * over those of `keywords.json` beside the file (when present), so the dev
 * tenant starts with no configuration and any value can be overridden.
 */
export async function loadTenantFile(
  path: string,
  options: LoadTenantOptions,
): Promise<LoadedTenant> {
  const format = tenantFileFormat(path)
  const text = await readText(path)

  const keywordsPath =
    options.keywordsFile === false
      ? undefined
      : (options.keywordsFile ?? join(dirname(path), KEYWORDS_FILE_NAME))
  const fromFile =
    keywordsPath === undefined
      ? {}
      : await readKeywordsFile(keywordsPath, options.keywordsFile !== undefined)
  const given = assertKeywordMappings(options.keywordMappings ?? {}, 'keywordMappings option')

  return parseTenantDocument(text, format, {
    issuer: options.issuer,
    keywordMappings: { ...fromFile, ...given },
    baseDir: dirname(resolve(path)),
    source: path,
  })
}

/** Loads a tenant document from its text. See `loadTenantFile`. */
export async function parseTenantDocument(
  text: string,
  format: TenantFileFormat,
  options: ParseTenantOptions,
): Promise<LoadedTenant> {
  const source = options.source ?? 'tenant file'
  const issuer = normalizeIssuer(options.issuer)
  const mappings = {
    ...assertKeywordMappings(options.keywordMappings ?? {}, 'keywordMappings option'),
    [MANAGEMENT_API_KEYWORD]: managementApiAudience(issuer),
  }

  const parsed = parse(markKeywords(text, source), format, source)
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    const got = Array.isArray(parsed) ? 'a list' : `a ${typeof parsed}`
    throw new TenantInvalidError(source, [`(document): must be a mapping of sections (got ${got})`])
  }
  // An empty file, or a section left empty (`clients:`), means nothing declared.
  const sections = Object.fromEntries(
    Object.entries(parsed ?? {}).filter(([, value]) => value !== null),
  )

  const replaced = replaceKeywords(pruneToSchema(sections, tenantDocumentSchema), mappings)
  if (replaced.problems.length > 0) {
    throw new TenantKeywordError(
      source,
      replaced.problems.map((p) => `${describePath(replaced.value, p.path)}: ${p.message}`),
    )
  }

  // Pruned again: a keyword may have brought in a whole entry with extra fields.
  const candidate = pruneToSchema(replaced.value, tenantDocumentSchema)
  const validation = validateTenantDocument(candidate)
  if (!validation.ok) {
    throw new TenantInvalidError(
      source,
      validation.problems.map((p) => `${describePath(candidate, p.path)}: ${p.message}`),
    )
  }

  const built = await buildTenant(validation.document, issuer, options.baseDir)
  if (built.problems.length > 0) throw new TenantInvalidError(source, built.problems)
  return built.loaded
}

// Reading and parsing ------------------------------------------------------

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new TenantReadError(path, { cause: error })
  }
}

/** A missing default keywords.json is fine; a missing one that was asked for is not. */
async function readKeywordsFile(path: string, required: boolean): Promise<KeywordMappings> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new TenantReadError(path, { cause: error })
  }
  return parseKeywordMappings(text, path)
}

function parse(text: string, format: TenantFileFormat, source: string): unknown {
  return format === 'json' ? parseJson(text, source) : parseYaml(text, source)
}

function parseYaml(text: string, source: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  const [error] = document.errors
  if (error) {
    const line = error.linePos?.[0].line
    const column = error.linePos?.[0].col
    // The pretty message is "<reason> at line L, column C:\n\n<excerpt>".
    const [head = error.message, excerpt] = unmarkKeywords(error.message).split(/:\n\n/, 2)
    const reason = head.replace(/ at line \d+, column \d+$/, '')
    const where = line === undefined ? '' : ` at line ${line}, column ${column}`
    throw new TenantSyntaxError(
      `${source}: YAML syntax error${where}: ${reason}${excerpt ? `\n\n${excerpt.trimEnd()}` : ''}`,
      { line, column },
      { cause: error },
    )
  }
  try {
    return document.toJS({ maxAliasCount: 100 })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new TenantSyntaxError(`${source}: YAML error: ${reason}`, {}, { cause: error })
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const offset = /at position (\d+)/.exec(reason)?.[1]
    let line: number | undefined
    let column: number | undefined
    if (offset !== undefined) {
      const before = text.slice(0, Number(offset)).split('\n')
      line = before.length
      column = (before.at(-1)?.length ?? 0) + 1
    }
    const where = line === undefined ? '' : ` at line ${line}, column ${column}`
    throw new TenantSyntaxError(
      `${source}: JSON syntax error${where}: ${unmarkKeywords(reason)}`,
      { line, column },
      { cause: error },
    )
  }
}

function normalizeIssuer(issuer: string): string {
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) {
    throw new TenantOptionError(`issuer must be an absolute URL, got ${JSON.stringify(issuer)}`)
  }
  const { protocol } = new URL(issuer)
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new TenantOptionError(`issuer must be an http(s) URL, got ${JSON.stringify(issuer)}`)
  }
  return issuer.endsWith('/') ? issuer : `${issuer}/`
}

// Naming places in the document -------------------------------------------

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/

/**
 * `['clients', 2, 'grant_types']` → `clients[2] ("Storefront").grant_types`:
 * entries of a top-level list are labelled with their name, so a problem can
 * be found without counting.
 */
function describePath(document: unknown, path: DocumentPath): string {
  let text = ''
  let node: unknown = document
  path.forEach((segment, depth) => {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (depth === 0) text = segment
    else text += PLAIN_KEY.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`

    node =
      isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined
    if (depth === 1 && typeof segment === 'number') {
      const label = entryLabel(String(path[0]), node)
      if (label) text += ` (${label})`
    }
  })
  return text || '(document)'
}

function entryLabel(section: string, entry: unknown): string | undefined {
  if (!isRecord(entry)) return undefined
  const quote = (value: unknown) =>
    typeof value === 'string' && value !== '' ? JSON.stringify(unmarkKeywords(value)) : undefined
  if (section === 'clientGrants') {
    const client = quote(entry.client_id)
    const audience = quote(entry.audience)
    return client && audience ? `${client} → ${audience}` : (client ?? audience)
  }
  if (section === 'users') return quote(entry.email) ?? quote(entry.user_id)
  return quote(entry.name)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

// Building the tenant -------------------------------------------------------

/** What every section builder shares: the document and the problem list. */
interface Build {
  doc: TenantDocument
  /** Names a place: `clients[1] ("Storefront").client_id`. */
  at(...path: DocumentPath): string
  report(path: DocumentPath, message: string): void
}

async function buildTenant(
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
  if (problems.length > 0) return { problems, loaded: { tenant, generatedSecrets: [] } }

  // Hashed only now that nothing is left to reject: scrypt is deliberately slow.
  const hashes = await Promise.all(clients.secrets.map((secret) => hashSecret(secret)))
  clients.list.forEach((client, i) => {
    client.client_secret_hash = hashes[i] as string
  })
  return { problems, loaded: { tenant, generatedSecrets: clients.generated } }
}

/** The Management API first (it cannot be redeclared), then the file's APIs. */
function buildResourceServers({ doc, at, report }: Build, issuer: string): ResourceServer[] {
  const managementApi: ResourceServer = {
    id: generateId('rs'),
    name: 'Auth0 Management API',
    identifier: managementApiAudience(issuer),
    scopes: MANAGEMENT_API_SCOPES.map((value) => ({ value })),
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
    scopes.forEach((scope, k) => {
      const same = scopes.findIndex((other) => other.value === scope.value)
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
      token_lifetime: entry.token_lifetime ?? TENANT_DEFAULTS.tokenLifetime,
      token_dialect: entry.token_dialect ?? TENANT_DEFAULTS.tokenDialect,
    })
  })
  return list
}

/**
 * Clients with their defaults. Plain secrets are kept apart (`secrets`, same
 * order as `list`) until hashed; `find` resolves a grant's `client_id`, which
 * the Deploy CLI writes as the client's name (a client id is accepted too).
 */
function buildClients({ doc, at, report }: Build) {
  const list: Client[] = []
  const secrets: string[] = []
  const generated: GeneratedSecret[] = []
  const byName = new Map<string, Client>()
  const byId = new Map<string, Client>()

  ;(doc.clients ?? []).forEach((entry, i) => {
    const clientId = entry.client_id ?? generateClientId()
    const sameName = list.findIndex((other) => other.name === entry.name)
    if (sameName !== -1) {
      report(['clients', i, 'name'], `duplicate client name, also used by clients[${sameName}]`)
    }
    const sameId = list.findIndex((other) => other.client_id === clientId)
    if (sameId !== -1) {
      report(
        ['clients', i, 'client_id'],
        `duplicate client_id, also used by ${at('clients', sameId)}`,
      )
    }

    let secret = entry.client_secret
    if (secret === undefined) {
      secret = generateClientSecret()
      generated.push({ clientName: entry.name, clientId, clientSecret: secret })
    }
    const appType = entry.app_type ?? TENANT_DEFAULTS.appType
    const defaultGrantTypes = appType === 'non_interactive' ? TENANT_DEFAULTS.grantTypes : []
    const quota = entry.token_quota?.client_credentials
    const client: Client = {
      client_id: clientId,
      name: entry.name,
      ...(entry.description === undefined ? {} : { description: entry.description }),
      app_type: appType,
      grant_types: [...(entry.grant_types ?? defaultGrantTypes)],
      token_endpoint_auth_method:
        entry.token_endpoint_auth_method ?? TENANT_DEFAULTS.tokenEndpointAuthMethod,
      client_metadata: { ...entry.client_metadata },
      client_secret_hash: '',
      ...(quota && {
        token_quota: {
          client_credentials: {
            enforce: quota.enforce ?? true,
            ...(quota.per_hour === undefined ? {} : { per_hour: quota.per_hour }),
            ...(quota.per_day === undefined ? {} : { per_day: quota.per_day }),
          },
        },
      }),
    }
    list.push(client)
    secrets.push(secret)
    if (!byName.has(client.name)) byName.set(client.name, client)
    if (!byId.has(client.client_id)) byId.set(client.client_id, client)
  })

  const find = (ref: string): Client | undefined => byName.get(ref) ?? byId.get(ref)
  return { list, secrets, generated, find }
}

type FindClient = (ref: string) => Client | undefined
type FindGrant = (clientId: string, audience: string) => ClientGrant | undefined

/** Grants resolved to client ids; every scope must exist on the API. */
function buildClientGrants(
  { doc, report }: Build,
  apis: ReadonlyMap<string, ResourceServer>,
  findClient: FindClient,
) {
  const list: ClientGrant[] = []
  const firstIndex = new Map<string, number>()
  const key = (clientId: string, audience: string) => `${clientId}\n${audience}`

  ;(doc.clientGrants ?? []).forEach((entry, i) => {
    const client = findClient(entry.client_id)
    if (!client) report(['clientGrants', i, 'client_id'], `no client named "${entry.client_id}"`)
    const api = apis.get(entry.audience)
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
      ...(entry.organization_usage === undefined
        ? {}
        : { organization_usage: entry.organization_usage }),
      ...(entry.allow_any_organization === undefined
        ? {}
        : { allow_any_organization: entry.allow_any_organization }),
    })
  })

  const byKey = new Map(list.map((grant) => [key(grant.client_id, grant.audience), grant]))
  const find: FindGrant = (clientId, audience) => byKey.get(key(clientId, audience))
  return { list, find }
}

/** Organizations, each with the grants (`client_grants` by client name + audience) it may use. */
function buildOrganizations(
  { doc, report }: Build,
  findClient: FindClient,
  findGrant: FindGrant,
): Organization[] {
  const list: Organization[] = []
  ;(doc.organizations ?? []).forEach((entry, i) => {
    const same = list.findIndex((other) => other.name === entry.name)
    if (same !== -1) {
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
      else if (!grant) report(path, `no client grant gives "${ref.client_id}" "${ref.audience}"`)
      else grantIds.add(grant.id)
    })
    list.push({
      id: generateId('org'),
      name: entry.name,
      display_name: entry.display_name ?? entry.name,
      metadata: { ...entry.metadata },
      client_grant_ids: [...grantIds],
    })
  })
  return list
}

/**
 * The actions bound to `credentials-exchange`, in trigger order. Actions not
 * bound there never run, so their files are not required (a real export's
 * post-login actions, for instance).
 */
async function buildActions({ doc, at, report }: Build, baseDir: string) {
  const entries = doc.actions ?? []
  entries.forEach((entry, i) => {
    const same = entries.findIndex((other) => other.name === entry.name)
    if (same < i) report(['actions', i, 'name'], `duplicate action name, also actions[${same}]`)
  })

  const list: CredentialsExchangeAction[] = []
  const checks: Array<Promise<void>> = []
  const bindings = doc.triggers?.[CREDENTIALS_EXCHANGE] ?? []
  bindings.forEach((binding, k) => {
    const bindingPath = ['triggers', CREDENTIALS_EXCHANGE, k]
    const i = entries.findIndex((entry) => entry.name === binding.action_name)
    const entry = entries[i]
    if (!entry) {
      report([...bindingPath, 'action_name'], `no action named "${binding.action_name}"`)
      return
    }
    const previous = bindings.findIndex((other) => other.action_name === binding.action_name)
    if (previous < k) {
      report(
        [...bindingPath, 'action_name'],
        `"${binding.action_name}" is already bound by ${at('triggers', CREDENTIALS_EXCHANGE, previous)}`,
      )
      return
    }
    if (!entry.supported_triggers.some((trigger) => trigger.id === CREDENTIALS_EXCHANGE)) {
      report(
        ['actions', i, 'supported_triggers'],
        `lacks "${CREDENTIALS_EXCHANGE}", yet ${at(...bindingPath)} binds the action to it`,
      )
    }
    const modulePath = resolve(baseDir, entry.code)
    checks.push(
      stat(modulePath).then(
        (info) => {
          if (!info.isFile()) report(['actions', i, 'code'], `${modulePath} is not a file`)
        },
        () => report(['actions', i, 'code'], `no file at ${modulePath}`),
      ),
    )
    const secrets: Record<string, string> = {}
    for (const secret of entry.secrets ?? []) {
      // A real export names secrets without their values: those stay unset.
      if (secret.value !== undefined) secrets[secret.name] = secret.value
    }
    list.push({ name: entry.name, modulePath, secrets })
  })
  await Promise.all(checks)
  return list
}

/** Local users; every field is kept. Ids default to Auth0's shape, `auth0|<24 hex>`. */
function buildUsers({ doc, report }: Build): User[] {
  const list: User[] = []
  ;(doc.users ?? []).forEach((entry, i) => {
    const userId = entry.user_id ?? `auth0|${randomBytes(12).toString('hex')}`
    const same = list.findIndex((other) => other.user_id === userId)
    if (same !== -1) report(['users', i, 'user_id'], `duplicate user_id, also users[${same}]`)
    else list.push({ ...entry, user_id: userId })
  })
  return list
}

function buildSettings(
  { doc, report }: Build,
  apis: ReadonlyMap<string, ResourceServer>,
): TenantSettings {
  const settings: TenantSettings = {}
  const { friendly_name, default_audience } = doc.tenant ?? {}
  if (friendly_name !== undefined) settings.friendly_name = friendly_name
  if (default_audience !== undefined) {
    if (apis.has(default_audience)) settings.default_audience = default_audience
    else report(['tenant', 'default_audience'], `no API with identifier "${default_audience}"`)
  }
  return settings
}

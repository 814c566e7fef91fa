import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import {
  KeywordMappingsError,
  TenantError,
  TenantFormatError,
  TenantInvalidError,
  TenantKeywordError,
  TenantOptionError,
  TenantReadError,
  TenantSyntaxError,
} from '../src/errors.js'
import { AUTH0_MANAGEMENT_API_SCOPES } from '../src/management/auth0-management-api-scopes.js'
import { MANAGEMENT_API_SCOPES } from '../src/management/management-api-scopes.js'
import { createSecretChecker } from '../src/secrets.js'
import { markKeywords } from '../src/tenant/keyword-replace.js'
import {
  type LoadedTenant,
  loadTenantFile,
  parseTenantDocument,
} from '../src/tenant/load-tenant.js'
import type { Tenant } from '../src/tenant/model.js'

const ISSUER = 'http://localhost:4000/'
const MANAGEMENT_AUDIENCE = 'http://localhost:4000/api/v2/'
const DEV_TENANT = fileURLToPath(new URL('../tenants/dev/tenant.yaml', import.meta.url))
const DEV_KEYWORDS = fileURLToPath(new URL('../tenants/dev/keywords.json', import.meta.url))
const ENV_EXAMPLE = fileURLToPath(new URL('../../../.env.example', import.meta.url))
const FIXTURES = fileURLToPath(new URL('./fixtures/tenant-file/', import.meta.url))

const checkSecret = createSecretChecker()

function secret(): string {
  return randomBytes(32).toString('base64url')
}

async function devKeywords(): Promise<Record<string, string>> {
  return JSON.parse(await readFile(DEV_KEYWORDS, 'utf8'))
}

function clientNamed(tenant: Tenant, name: string) {
  const client = tenant.clients.find((c) => c.name === name)
  if (!client) throw new Error(`no client ${name}`)
  return client
}

function grantOf(tenant: Tenant, clientName: string, audience: string) {
  const clientId = clientNamed(tenant, clientName).client_id
  return tenant.clientGrants.find((g) => g.client_id === clientId && g.audience === audience)
}

// biome-ignore lint/suspicious/noExplicitAny: tests write deliberately malformed documents
type TestDocument = Record<string, any>

/** Thrown errors as the tests inspect them. */
interface CaughtError extends Error {
  code?: string
  problems?: readonly string[]
  line?: number
}

/** A small valid tenant document; tests change one thing in it. */
function baseDocument(): TestDocument {
  return {
    tenant: { friendly_name: 'Test tenant' },
    resourceServers: [
      {
        name: 'World Mappers API',
        identifier: 'urn:worldmappers',
        scopes: [{ value: 'geocode:location' }, { value: 'directions' }],
      },
    ],
    clients: [
      { name: 'Gift Deliveries', client_id: 'gift-deliveries-test', client_secret: secret() },
      { name: 'Limited Mapper', client_id: 'limited-mapper-test', client_secret: secret() },
      { name: 'Storefront', client_id: 'storefront-test', client_secret: secret() },
    ],
    clientGrants: [
      {
        client_id: 'Gift Deliveries',
        audience: 'urn:worldmappers',
        scope: ['geocode:location', 'directions'],
      },
    ],
    actions: [
      {
        name: 'tag-client',
        code: './actions/tag-client.js',
        supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }],
      },
    ],
    triggers: {
      'credentials-exchange': [{ action_name: 'tag-client', display_name: 'Tag client' }],
    },
  }
}

function parseYaml(
  document: unknown,
  keywordMappings: Record<string, unknown> = {},
): Promise<LoadedTenant> {
  const text = typeof document === 'string' ? document : stringify(document)
  return parseTenantDocument(text, 'yaml', {
    issuer: ISSUER,
    keywordMappings,
    baseDir: FIXTURES,
    source: 'test.yaml',
  })
}

async function rejection(promise: Promise<unknown>): Promise<CaughtError> {
  try {
    await promise
  } catch (error) {
    return error as CaughtError
  }
  throw new Error('expected a rejection')
}

describe('the dev tenant', () => {
  it('loads with no keyword mappings given: APIs, clients, grants, organization, action, users', async () => {
    const { tenant, generatedSecrets } = await loadTenantFile(DEV_TENANT, { issuer: ISSUER })
    const keywords = await devKeywords()

    // Every client has a secret, as on Auth0; the secretless one's is generated (and refused).
    expect(generatedSecrets.map((g) => g.clientId)).toEqual(['gift-deliveries-keyed-dev'])
    expect(tenant.settings).toEqual({
      friendly_name: 'M2M Dev Tenant',
      allow_organization_name_in_authentication_api: true,
    })
    expect(tenant.resourceServers.map((rs) => rs.identifier)).toEqual([
      MANAGEMENT_AUDIENCE,
      'urn:worldmappers',
      'urn:gift-deliveries',
    ])
    expect(tenant.clients.map((c) => [c.name, c.client_id])).toEqual([
      ['Gift Deliveries', 'gift-deliveries-dev'],
      ['Gift Deliveries (secretless)', 'gift-deliveries-keyed-dev'],
      ['Storefront', 'storefront-dev'],
      ['Tenant Admin', 'tenant-admin-dev'],
      ['Limited Mapper', 'limited-mapper-dev'],
      ['Banned Device', 'banned-device-dev'],
    ])
    expect(tenant.clientGrants).toHaveLength(6)
    expect(tenant.organizations).toHaveLength(1)
    expect(tenant.actions).toHaveLength(1)
    expect(tenant.users.map((u) => u.email)).toEqual(['ada@example.com', 'grace@example.com'])

    const worldMappers = tenant.resourceServers[1]
    expect(worldMappers).toMatchObject({
      name: 'World Mappers API',
      signing_alg: 'RS256',
      token_lifetime: 86_400,
      token_dialect: 'access_token',
    })
    expect(worldMappers?.id).toMatch(/^rs_\w+$/)
    expect(worldMappers?.scopes.map((s) => s.value)).toEqual([
      'geocode:location',
      'reverse-geocode:location',
      'directions',
    ])
    expect(worldMappers?.scopes.every((s) => typeof s.description === 'string')).toBe(true)
    expect(tenant.resourceServers[2]?.scopes.map((s) => s.value)).toEqual([
      'create:deliveries',
      'read:deliveries',
    ])

    for (const client of tenant.clients) {
      expect(client).toMatchObject({
        app_type: 'non_interactive',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
      })
    }
    // The secretless client refuses secrets: its key is its only credential.
    const secretless = clientNamed(tenant, 'Gift Deliveries (secretless)')
    expect(secretless.client_authentication_methods?.private_key_jwt?.credentials).toHaveLength(1)
    expect(secretless.credentials?.[0]).toMatchObject({
      alg: 'RS256',
      credential_type: 'public_key',
    })
    expect(clientNamed(tenant, 'Banned Device').client_metadata).toEqual({ banned: 'true' })
    expect(keywords.MANAGEMENT_API_AUDIENCE).toBeUndefined()
  })

  it('resolves each grant to the client id, with exactly the scopes of the design', async () => {
    const { tenant } = await loadTenantFile(DEV_TENANT, { issuer: ISSUER })
    const scopesOf = (client: string, audience: string) => grantOf(tenant, client, audience)?.scope

    expect(scopesOf('Gift Deliveries', 'urn:worldmappers')).toEqual([
      'geocode:location',
      'reverse-geocode:location',
      'directions',
    ])
    expect(scopesOf('Gift Deliveries (secretless)', 'urn:worldmappers')).toEqual([
      'geocode:location',
      'reverse-geocode:location',
      'directions',
    ])
    expect(scopesOf('Storefront', 'urn:gift-deliveries')).toEqual([
      'create:deliveries',
      'read:deliveries',
    ])
    expect(scopesOf('Tenant Admin', MANAGEMENT_AUDIENCE)).toEqual([...MANAGEMENT_API_SCOPES])
    expect(scopesOf('Limited Mapper', 'urn:worldmappers')).toEqual(['reverse-geocode:location'])
    expect(scopesOf('Banned Device', 'urn:worldmappers')).toEqual(['geocode:location'])
    expect(tenant.clientGrants.every((g) => /^cgr_\w+$/.test(g.id))).toBe(true)
    const clientIds = new Set(tenant.clients.map((c) => c.client_id))
    expect(tenant.clientGrants.every((g) => clientIds.has(g.client_id))).toBe(true)
  })

  it("always has the Management API, with every scope of Auth0's (those it serves among them)", async () => {
    const { tenant } = await loadTenantFile(DEV_TENANT, { issuer: 'https://auth.example.test' })
    expect(tenant.resourceServers[0]).toMatchObject({
      name: 'Auth0 Management API',
      identifier: 'https://auth.example.test/api/v2/',
      is_system: true,
      signing_alg: 'RS256',
    })
    const declared = tenant.resourceServers[0]?.scopes.map((s) => s.value)
    expect(declared).toEqual([...AUTH0_MANAGEMENT_API_SCOPES])
    expect(declared).toEqual(expect.arrayContaining([...MANAGEMENT_API_SCOPES]))
    // ##MANAGEMENT_API_AUDIENCE## follows the issuer.
    expect(grantOf(tenant, 'Tenant Admin', 'https://auth.example.test/api/v2/')).toBeDefined()
  })

  it('has the organization acme, usable with the Gift Deliveries grant', async () => {
    const { tenant } = await loadTenantFile(DEV_TENANT, { issuer: ISSUER })
    const grant = grantOf(tenant, 'Gift Deliveries', 'urn:worldmappers')
    expect(grant?.organization_usage).toBe('allow')
    expect(tenant.organizations[0]).toEqual({
      id: expect.stringMatching(/^org_\w+$/),
      name: 'acme',
      display_name: 'Acme Inc.',
      metadata: { plan: 'enterprise' },
      client_grant_ids: [grant?.id],
    })
  })

  it('binds the deny-banned-device action by absolute path to a file that exists', async () => {
    const { tenant } = await loadTenantFile(DEV_TENANT, { issuer: ISSUER })
    const [action] = tenant.actions
    expect(action?.name).toBe('deny-banned-device')
    expect(isAbsolute(action?.modulePath ?? '')).toBe(true)
    expect((await stat(action?.modulePath ?? '')).isFile()).toBe(true)
    expect(action?.secrets).toEqual({})
  })

  // Issue 16: Auth0 returns a client's secret to a token with read:client_keys, so the
  // tenant keeps it; on disk it is in client-secrets.env only (see persistence.test.ts).
  it('checks secrets against scrypt hashes and keeps each secret for read:client_keys', async () => {
    const { tenant } = await loadTenantFile(DEV_TENANT, { issuer: ISSUER })
    const keywords = await devKeywords()
    const pairs = [
      ['Gift Deliveries', 'GIFT_DELIVERIES'],
      ['Storefront', 'STOREFRONT'],
      ['Tenant Admin', 'TENANT_ADMIN'],
      ['Limited Mapper', 'LIMITED_MAPPER'],
      ['Banned Device', 'BANNED_DEVICE'],
    ] as const
    for (const [name, prefix] of pairs) {
      const plain = keywords[`${prefix}_CLIENT_SECRET`] ?? ''
      expect(plain.length).toBeGreaterThanOrEqual(43)
      const { client_secret_hash, client_secret } = clientNamed(tenant, name)
      expect(client_secret).toBe(plain)
      expect(client_secret_hash).toMatch(/^scrypt\$[\w-]+\$[\w-]+$/)
      expect(await checkSecret(client_secret_hash, plain)).toBe(true)
      expect(await checkSecret(client_secret_hash, `${plain}x`)).toBe(false)
    }
  })

  it('keeps .env.example in step with keywords.json', async () => {
    const keywords = await devKeywords()
    const lines = (await readFile(ENV_EXAMPLE, 'utf8')).split('\n')
    expect(lines[0]).toBe(
      '# LOCAL-ONLY development credentials for the dev tenant of apps/auth-server. Never use them anywhere else.',
    )
    const env = Object.fromEntries(
      lines
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    expect(env.ISSUER_BASE_URL).toBe('http://localhost:4000/')
    expect(Object.keys(keywords)).toHaveLength(11)
    for (const [name, value] of Object.entries(keywords)) {
      expect(env[name], name).toBe(value)
    }
  })

  describe('its deny-banned-device action', () => {
    async function run(client: { client_id: string; name: string; metadata: object }) {
      const { tenant } = await loadTenantFile(DEV_TENANT, { issuer: ISSUER })
      const mod = await import(pathToFileURL(tenant.actions[0]?.modulePath ?? '').href)
      const calls: unknown[][] = []
      const api = {
        access: { deny: (...args: unknown[]) => calls.push(['deny', ...args]) },
        accessToken: {
          setCustomClaim: (...args: unknown[]) => calls.push(['setCustomClaim', ...args]),
        },
      }
      await mod.onExecuteCredentialsExchange({ client }, api)
      return calls
    }

    it('denies a client whose metadata says banned', async () => {
      const calls = await run({
        client_id: 'banned-device-dev',
        name: 'Banned Device',
        metadata: { banned: 'true' },
      })
      expect(calls).toEqual([['deny', 'invalid_request', 'This device has been banned']])
    })

    it('adds a namespaced claim naming any other client', async () => {
      const calls = await run({ client_id: 'storefront-dev', name: 'Storefront', metadata: {} })
      expect(calls).toEqual([
        ['setCustomClaim', 'https://m2m.example.com/client_name', 'Storefront'],
      ])
    })
  })
})

describe('other tenant files', () => {
  it('loads the JSON form, with keywords.json beside it', async () => {
    const { tenant, generatedSecrets } = await loadTenantFile(
      join(FIXTURES, 'json-tenant', 'tenant.json'),
      { issuer: ISSUER },
    )
    expect(generatedSecrets).toEqual([])
    expect(tenant.settings).toEqual({
      friendly_name: 'test tenant',
      default_audience: 'urn:worldmappers',
    })
    expect(tenant.resourceServers[1]).toMatchObject({
      identifier: 'urn:worldmappers',
      token_lifetime: 3600,
      token_dialect: 'rfc9068_profile',
    })
    expect(tenant.clients[0]).toMatchObject({
      client_id: 'gift-deliveries-json',
      client_metadata: { environment: 'test' },
    })
    expect(
      await checkSecret(
        tenant.clients[0]?.client_secret_hash ?? '',
        'json-fixture-secret-not-for-any-real-use-0001',
      ),
    ).toBe(true)
    // "@@MAPPER_SCOPES@@" became the mapped array.
    expect(tenant.clientGrants[0]?.scope).toEqual(['geocode:location', 'directions'])
    expect(tenant.actions[0]).toMatchObject({
      name: 'tag-client',
      modulePath: join(FIXTURES, 'json-tenant', 'actions', 'tag-client.js'),
      secrets: { LABEL: 'test' },
    })
  })

  it('loads a realistic Deploy CLI export, ignoring sections and fields it does not use', async () => {
    const { tenant, generatedSecrets } = await loadTenantFile(
      join(FIXTURES, 'deploy-cli-export', 'tenant.yaml'),
      { issuer: ISSUER },
    )
    expect(tenant.settings).toEqual({ friendly_name: 'Example Inc.' })
    expect(tenant.resourceServers[1]).toEqual({
      id: expect.stringMatching(/^rs_/),
      name: 'Inventory API',
      identifier: 'https://inventory.example.com/',
      scopes: [
        { value: 'read:stock', description: 'Read stock levels' },
        { value: 'write:stock', description: 'Change stock levels' },
      ],
      signing_alg: 'RS256',
      token_lifetime: 7200,
      token_dialect: 'access_token',
    })
    // A real export has no client secrets and no client ids: both are generated.
    expect(generatedSecrets.map((g) => g.clientName)).toEqual([
      'Default App',
      'Inventory Sync',
      'Dashboard SPA',
    ])
    const sync = clientNamed(tenant, 'Inventory Sync')
    expect(sync).toEqual({
      client_id: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      name: 'Inventory Sync',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      client_metadata: { team: 'logistics' },
      // A generated secret (384 random bits) is stored as its SHA-256; a given one with scrypt.
      client_secret_hash: expect.stringMatching(/^sha256\$[\w-]{43}$/),
      client_secret: generatedSecrets.find((g) => g.clientName === 'Inventory Sync')?.clientSecret,
    })
    // No app_type in the file: Auth0's default, with the grant types the file gives.
    expect(clientNamed(tenant, 'Default App')).toMatchObject({
      app_type: 'non_interactive',
      grant_types: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    })
    expect(clientNamed(tenant, 'Dashboard SPA')).toMatchObject({
      app_type: 'spa',
      token_endpoint_auth_method: 'none',
    })
    expect(tenant.clientGrants).toEqual([
      {
        id: expect.stringMatching(/^cgr_/),
        client_id: sync.client_id,
        audience: 'https://inventory.example.com/',
        scope: ['read:stock', 'write:stock'],
        // As exported: a grant for client credentials (Auth0's subject_type).
        subject_type: 'client',
        organization_usage: 'require',
        allow_any_organization: false,
      },
    ])
    expect(tenant.organizations).toEqual([
      {
        id: expect.stringMatching(/^org_/),
        name: 'northwind',
        display_name: 'Northwind Traders',
        metadata: { region: 'eu' },
        client_grant_ids: [tenant.clientGrants[0]?.id],
      },
    ])
    // Only the credentials-exchange action is loaded; the post-login one (whose
    // file is absent) never runs. A secret exported without a value stays unset.
    expect(tenant.actions).toEqual([
      {
        name: 'add-tenant-claim',
        modulePath: join(FIXTURES, 'deploy-cli-export', 'actions', 'add-tenant-claim', 'code.js'),
        secrets: {},
        dependencies: [],
      },
    ])
    expect(tenant.users).toEqual([])
  })
})

describe('keyword replacement', () => {
  it('substitutes ##KEY## inside longer strings, bare or quoted', async () => {
    const text = [
      'tenant:',
      '  friendly_name: ##ENV## tenant of ##TEAM##',
      "  default_audience: 'urn:##ENV##:worldmappers'",
      'resourceServers:',
      '  - name: "World Mappers (##ENV##)"',
      '    identifier: urn:##ENV##:worldmappers',
    ].join('\n')
    const { tenant } = await parseYaml(text, { ENV: 'staging', TEAM: 'mappers' })
    expect(tenant.settings).toEqual({
      friendly_name: 'staging tenant of mappers',
      default_audience: 'urn:staging:worldmappers',
    })
    expect(tenant.resourceServers[1]).toMatchObject({
      name: 'World Mappers (staging)',
      identifier: 'urn:staging:worldmappers',
    })
  })

  it('replaces a whole-value placeholder by the mapped value itself: arrays, numbers', async () => {
    const text = [
      'resourceServers:',
      '  - name: World Mappers API',
      '    identifier: urn:worldmappers',
      '    token_lifetime: ##LIFETIME##',
      '    scopes: @@SCOPES@@',
      'clients:',
      '  - name: Gift Deliveries',
      "    grant_types: '##GRANT_TYPES##'",
      'clientGrants:',
      '  - client_id: Gift Deliveries',
      '    audience: urn:worldmappers',
      '    scope: "@@GRANTED@@"',
      '  - client_id: Gift Deliveries',
      '    audience: ##MANAGEMENT_API_AUDIENCE##',
      '    scope: [##READ##, "@@WRITE@@"]',
    ].join('\n')
    const { tenant } = await parseYaml(text, {
      LIFETIME: 600,
      SCOPES: [{ value: 'geocode:location' }, { value: 'directions' }],
      GRANT_TYPES: ['client_credentials'],
      GRANTED: ['geocode:location', 'directions'],
      READ: 'read:clients',
      WRITE: 'create:clients',
    })
    expect(tenant.resourceServers[1]).toMatchObject({
      token_lifetime: 600,
      scopes: [{ value: 'geocode:location' }, { value: 'directions' }],
    })
    expect(tenant.clients[0]?.grant_types).toEqual(['client_credentials'])
    expect(tenant.clientGrants.map((g) => [g.audience, g.scope])).toEqual([
      ['urn:worldmappers', ['geocode:location', 'directions']],
      [MANAGEMENT_AUDIENCE, ['read:clients', 'create:clients']],
    ])
  })

  it('inserts the JSON text of @@KEY@@ inside a longer string, as the Deploy CLI does', async () => {
    const { tenant } = await parseYaml('tenant:\n  friendly_name: "regions @@REGIONS@@"\n', {
      REGIONS: ['eu', 'us'],
    })
    expect(tenant.settings.friendly_name).toBe('regions ["eu","us"]')
  })

  it('lets the keywordMappings option win over keywords.json', async () => {
    const override = secret()
    const { tenant } = await loadTenantFile(DEV_TENANT, {
      issuer: ISSUER,
      keywordMappings: { STOREFRONT_CLIENT_SECRET: override, STOREFRONT_CLIENT_ID: 'shop-1' },
    })
    const keywords = await devKeywords()
    const storefront = clientNamed(tenant, 'Storefront')
    expect(storefront.client_id).toBe('shop-1')
    expect(await checkSecret(storefront.client_secret_hash, override)).toBe(true)
    expect(
      await checkSecret(storefront.client_secret_hash, keywords.STOREFRONT_CLIENT_SECRET ?? ''),
    ).toBe(false)
    // The other values still come from keywords.json.
    expect(clientNamed(tenant, 'Gift Deliveries').client_id).toBe('gift-deliveries-dev')
    expect(grantOf(tenant, 'Storefront', 'urn:gift-deliveries')).toBeDefined()
  })

  it('defines MANAGEMENT_API_AUDIENCE from the issuer, whatever the mappings say', async () => {
    const { tenant } = await loadTenantFile(DEV_TENANT, {
      issuer: ISSUER,
      keywordMappings: { MANAGEMENT_API_AUDIENCE: 'https://real-tenant.eu.auth0.com/api/v2/' },
    })
    expect(grantOf(tenant, 'Tenant Admin', MANAGEMENT_AUDIENCE)).toBeDefined()
  })

  it('names an unknown keyword with the entry and field where it is', async () => {
    const document = baseDocument()
    document.clients[1].client_secret = '##LIMITED_SECRET##'
    document.clients[2].client_metadata = { tier: 'gold-@@TIER@@' }
    document.tenant.friendly_name = '##ENV## tenant'
    const error = await rejection(parseYaml(document, { ENV: 'dev' }))
    expect(error).toBeInstanceOf(TenantKeywordError)
    expect(error.code).toBe('TENANT_ERR_KEYWORD')
    expect(error.problems).toEqual([
      'clients[1] ("Limited Mapper").client_secret: unknown keyword ##LIMITED_SECRET##',
      'clients[2] ("Storefront").client_metadata.tier: unknown keyword @@TIER@@',
    ])
    expect(error.message).toContain(
      'clients[1] ("Limited Mapper").client_secret: unknown keyword ##LIMITED_SECRET##',
    )
  })

  it('refuses an array keyword inside a longer string', async () => {
    const error = await rejection(
      parseYaml('tenant:\n  friendly_name: "scopes: ##LIST##"\n', { LIST: ['a', 'b'] }),
    )
    expect(error).toBeInstanceOf(TenantKeywordError)
    expect(error.problems).toEqual([
      'tenant.friendly_name: keyword ##LIST## holds an array, which cannot be part of a longer string (make "##LIST##" the whole value, or use @@LIST@@ for its JSON text)',
    ])
  })

  it('ignores placeholders in sections and fields the local tenant does not read', async () => {
    const document = baseDocument()
    document.connections = [{ name: 'google', options: { client_id: '##GOOGLE_ID##' } }]
    document.clients[0].callbacks = '@@CALLBACKS@@'
    const { tenant } = await parseYaml(document)
    expect(tenant.clients).toHaveLength(3)
  })

  it('keeps line and column numbers when marking placeholders', () => {
    const text = 'a: ##KEY##\nb: @@LIST@@ # comment\n'
    const marked = markKeywords(text, 'x.yaml')
    expect(marked).toHaveLength(text.length)
    expect(marked.indexOf('\n')).toBe(text.indexOf('\n'))
    expect(marked.indexOf('#', 12)).toBe(text.indexOf('# comment'))
  })

  it('reports an unreadable keywords file, and one that is not a JSON object', async () => {
    const missing = await rejection(
      loadTenantFile(DEV_TENANT, { issuer: ISSUER, keywordsFile: join(FIXTURES, 'none.json') }),
    )
    expect(missing).toBeInstanceOf(TenantReadError)
    expect(missing.code).toBe('TENANT_ERR_READ')

    const notObject = await rejection(
      loadTenantFile(DEV_TENANT, {
        issuer: ISSUER,
        keywordsFile: join(FIXTURES, 'deploy-cli-export', 'tenant.yaml'),
      }),
    )
    expect(notObject).toBeInstanceOf(KeywordMappingsError)
    expect(notObject.code).toBe('TENANT_ERR_KEYWORD_MAPPINGS')

    const array = await rejection(
      loadTenantFile(DEV_TENANT, { issuer: ISSUER, keywordMappings: [] as never }),
    )
    expect(array.message).toBe(
      'Invalid keyword mappings (keywordMappings option): must be a JSON object of keyword to value (got an array)',
    )
  })
})

describe('generated secrets', () => {
  it('are made for clients without client_secret, returned once, and stored only hashed', async () => {
    const document = baseDocument()
    delete document.clients[0].client_secret
    delete document.clients[2].client_secret
    delete document.clients[2].client_id
    const { tenant, generatedSecrets } = await parseYaml(document)

    expect(generatedSecrets.map((g) => [g.clientName, g.clientId])).toEqual([
      ['Gift Deliveries', 'gift-deliveries-test'],
      ['Storefront', clientNamed(tenant, 'Storefront').client_id],
    ])
    expect(clientNamed(tenant, 'Storefront').client_id).toMatch(/^[A-Za-z0-9]{32}$/)

    for (const generated of generatedSecrets) {
      // base64url: 43 characters carry 256 bits.
      expect(generated.clientSecret).toMatch(/^[\w-]{43,}$/)
      expect(Buffer.from(generated.clientSecret, 'base64url').length * 8).toBeGreaterThanOrEqual(
        256,
      )
      const { client_secret_hash, client_secret } = clientNamed(tenant, generated.clientName)
      expect(client_secret).toBe(generated.clientSecret)
      expect(await checkSecret(client_secret_hash, generated.clientSecret)).toBe(true)
    }
    expect(generatedSecrets[0]?.clientSecret).not.toBe(generatedSecrets[1]?.clientSecret)
  })

  it('differ from one load to the next', async () => {
    const document = baseDocument()
    delete document.clients[0].client_secret
    const first = await parseYaml(document)
    const second = await parseYaml(document)
    expect(first.generatedSecrets[0]?.clientSecret).not.toBe(
      second.generatedSecrets[0]?.clientSecret,
    )
  })
})

describe('defaults', () => {
  it("fills in Auth0's defaults for fields left out", async () => {
    const { tenant } = await parseYaml(
      [
        'resourceServers:',
        '  - name: Bare API',
        '    identifier: urn:bare',
        'clients:',
        '  - name: Bare Client',
        '  - name: Bare SPA',
        '    app_type: spa',
      ].join('\n'),
    )
    expect(tenant.resourceServers[1]).toEqual({
      id: expect.stringMatching(/^rs_/),
      name: 'Bare API',
      identifier: 'urn:bare',
      scopes: [],
      signing_alg: 'RS256',
      token_lifetime: 86_400,
      token_dialect: 'access_token',
    })
    expect(tenant.clients[0]).toMatchObject({
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
      client_metadata: {},
    })
    expect(tenant.clients[1]).toMatchObject({ app_type: 'spa', grant_types: [] })
  })

  it('loads an empty file as a tenant with only the Management API', async () => {
    const { tenant } = await parseYaml('# nothing yet\nclients:\n')
    expect(tenant.resourceServers.map((rs) => rs.identifier)).toEqual([MANAGEMENT_AUDIENCE])
    expect(tenant.clients).toEqual([])
  })
})

describe('validation errors name the entry and the field', () => {
  const ACTION_FILE = join(FIXTURES, 'actions', 'missing.js')
  const cases: Array<{
    name: string
    change: (document: TestDocument) => void
    problems: string[]
  }> = [
    {
      name: 'a field of the wrong type',
      change: (d) => {
        d.clients[2].grant_types = 'client_credentials'
      },
      problems: ['clients[2] ("Storefront").grant_types: must be array'],
    },
    {
      name: 'a metadata value that is not a string',
      change: (d) => {
        d.clients[0].client_metadata = { banned: true }
      },
      problems: ['clients[0] ("Gift Deliveries").client_metadata.banned: must be string'],
    },
    {
      name: 'a missing name',
      change: (d) => {
        delete d.clients[1].name
      },
      problems: ['clients[1].name: is required'],
    },
    {
      name: 'a grant for an unknown client',
      change: (d) => {
        d.clientGrants[0].client_id = 'Nobody'
      },
      problems: [
        'clientGrants[0] ("Nobody" → "urn:worldmappers").client_id: no client named "Nobody"',
      ],
    },
    {
      name: 'a grant for an unknown audience',
      change: (d) => {
        d.clientGrants[0].audience = 'urn:nowhere'
      },
      problems: [
        'clientGrants[0] ("Gift Deliveries" → "urn:nowhere").audience: no API with identifier "urn:nowhere"',
      ],
    },
    {
      name: 'a granted scope the API does not have',
      change: (d) => {
        d.clientGrants[0].scope.push('teleport')
      },
      problems: [
        'clientGrants[0] ("Gift Deliveries" → "urn:worldmappers").scope[2]: "teleport" is not a scope of "urn:worldmappers"',
      ],
    },
    {
      name: 'a second grant for the same client and API',
      change: (d) => {
        d.clientGrants.push({ client_id: 'Gift Deliveries', audience: 'urn:worldmappers' })
      },
      problems: [
        'clientGrants[1] ("Gift Deliveries" → "urn:worldmappers"): duplicate grant: clientGrants[0] grants the same API',
      ],
    },
    {
      name: 'a duplicate client name',
      change: (d) => {
        d.clients[2].name = 'Gift Deliveries'
      },
      problems: [
        'clients[2] ("Gift Deliveries").name: duplicate client name, also used by clients[0]',
      ],
    },
    {
      name: 'a duplicate client_id',
      change: (d) => {
        d.clients[2].client_id = 'gift-deliveries-test'
      },
      problems: [
        'clients[2] ("Storefront").client_id: duplicate client_id, also used by clients[0] ("Gift Deliveries")',
      ],
    },
    {
      // The first of each name is named by its place in the file, duplicates before it skipped or not.
      name: 'duplicate organization names, twice',
      change: (d) => {
        d.organizations = ['x', 'x', 'y', 'y'].map((name) => ({ name }))
      },
      problems: [
        'organizations[1] ("x").name: duplicate organization name, also organizations[0]',
        'organizations[3] ("y").name: duplicate organization name, also organizations[2]',
      ],
    },
    {
      name: 'a duplicate API identifier',
      change: (d) => {
        d.resourceServers.push({ name: 'Copy', identifier: 'urn:worldmappers' })
      },
      problems: [
        'resourceServers[1] ("Copy").identifier: duplicate API identifier, also used by resourceServers[0] ("World Mappers API")',
      ],
    },
    {
      name: "an API declared with the Management API's identifier",
      change: (d) => {
        d.resourceServers.push({ name: 'Mine', identifier: MANAGEMENT_AUDIENCE })
      },
      problems: [
        `resourceServers[1] ("Mine").identifier: "${MANAGEMENT_AUDIENCE}" is the Management API, which the local tenant defines`,
      ],
    },
    {
      // Issue 16: HS256, RS512 and PS256 load (test/signing-algorithms.test.ts); Auth0 has no other.
      name: 'a signing algorithm Auth0 does not offer',
      change: (d) => {
        d.resourceServers[0].signing_alg = 'ES256'
      },
      problems: [
        'resourceServers[0] ("World Mappers API").signing_alg: must be one of "RS256", "RS512", "PS256", "HS256" (got "ES256")',
      ],
    },
    {
      name: 'a token lifetime above 30 days',
      change: (d) => {
        d.resourceServers[0].token_lifetime = 2_592_001
      },
      problems: [
        'resourceServers[0] ("World Mappers API").token_lifetime: must be <= 2592000 (got 2592001)',
      ],
    },
    {
      name: 'an unknown token dialect',
      change: (d) => {
        // access_token_authz and rfc9068_profile_authz are Auth0's too (issue 16): not unknown.
        d.resourceServers[0].token_dialect = 'opaque'
      },
      problems: [
        'resourceServers[0] ("World Mappers API").token_dialect: must be one of "access_token", "access_token_authz", "rfc9068_profile", "rfc9068_profile_authz" (got "opaque")',
      ],
    },
    {
      name: 'a scope with a space in it',
      change: (d) => {
        d.resourceServers[0].scopes[1].value = 'get directions'
      },
      problems: [
        'resourceServers[0] ("World Mappers API").scopes[1].value: must be one word: scopes are sent space-separated',
      ],
    },
    {
      name: 'a client secret too short to be one',
      change: (d) => {
        d.clients[0].client_secret = 'hunter2'
      },
      problems: [
        'clients[0] ("Gift Deliveries").client_secret: must NOT have fewer than 32 characters',
      ],
    },
    {
      name: 'a trigger naming a missing action',
      change: (d) => {
        d.triggers['credentials-exchange'].push({ action_name: 'missing-action' })
      },
      problems: ['triggers.credentials-exchange[1].action_name: no action named "missing-action"'],
    },
    {
      name: 'a bound action that does not support credentials-exchange',
      change: (d) => {
        d.actions[0].supported_triggers = [{ id: 'post-login', version: 'v3' }]
      },
      problems: [
        'actions[0] ("tag-client").supported_triggers: lacks "credentials-exchange", yet triggers.credentials-exchange[0] binds the action to it',
      ],
    },
    {
      name: 'a missing action file',
      change: (d) => {
        d.actions[0].code = './actions/missing.js'
      },
      problems: [`actions[0] ("tag-client").code: no file at ${ACTION_FILE}`],
    },
    {
      name: 'an organization naming a grant that does not exist',
      change: (d) => {
        d.organizations = [
          {
            name: 'acme',
            client_grants: [{ client_id: 'Storefront', audience: 'urn:worldmappers' }],
          },
        ]
      },
      problems: [
        'organizations[0] ("acme").client_grants[0]: no client grant gives "Storefront" "urn:worldmappers"',
      ],
    },
    {
      name: 'an organization name Auth0 would refuse',
      change: (d) => {
        d.organizations = [{ name: 'Acme Inc' }]
      },
      problems: [
        'organizations[0] ("Acme Inc").name: must be 1 to 50 lowercase letters, digits, "-" or "_", starting and ending with a letter or digit',
      ],
    },
    {
      name: 'a default audience that is no API',
      change: (d) => {
        d.tenant.default_audience = 'urn:nowhere'
      },
      problems: ['tenant.default_audience: no API with identifier "urn:nowhere"'],
    },
    {
      name: 'a section of the wrong type',
      change: (d) => {
        d.clients = { name: 'Gift Deliveries' }
      },
      problems: ['clients: must be array'],
    },
    {
      name: 'several problems at once, all listed',
      change: (d) => {
        d.clients[0].app_type = 7
        delete d.resourceServers[0].identifier
        d.clientGrants[0].organization_usage = 'sometimes'
      },
      problems: [
        'resourceServers[0] ("World Mappers API").identifier: is required',
        'clients[0] ("Gift Deliveries").app_type: must be string',
        'clientGrants[0] ("Gift Deliveries" → "urn:worldmappers").organization_usage: must be one of "deny", "allow", "require" (got "sometimes")',
      ],
    },
  ]

  for (const { name, change, problems } of cases) {
    it(name, async () => {
      const document = baseDocument()
      change(document)
      const error = await rejection(parseYaml(document))
      expect(error).toBeInstanceOf(TenantInvalidError)
      expect(error.code).toBe('TENANT_ERR_INVALID')
      expect(error.problems).toEqual(problems)
      const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
      expect(error.message).toBe(
        `Invalid tenant file test.yaml (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      )
    })
  }

  it('never shows a client secret in a message', async () => {
    const document = baseDocument()
    document.clients[0].client_secret = 'short-secret-value'
    const error = await rejection(parseYaml(document))
    expect(error.message).not.toContain('short-secret-value')
  })
})

describe('error codes', () => {
  it('are distinct, prefixed TENANT_ERR_, with a status', () => {
    const errors = [
      new TenantOptionError('x'),
      new TenantReadError('x', { cause: new Error('x') }),
      new TenantFormatError('x'),
      new TenantSyntaxError('x', {}),
      new KeywordMappingsError('x', 'x'),
      new TenantKeywordError('x', ['x']),
      new TenantInvalidError('x', ['x']),
    ]
    const codes = errors.map((e) => e.code)
    expect(new Set(codes).size).toBe(codes.length)
    for (const error of errors) {
      expect(error).toBeInstanceOf(TenantError)
      expect(error.code).toMatch(/^TENANT_ERR_[A-Z_]+$/)
      expect(error.statusCode).toBe(500)
      expect(error.name).toBe(error.constructor.name)
    }
  })
})

describe('unreadable input', () => {
  it('reports a YAML syntax error with its line and column', async () => {
    const text = [
      'clients:',
      '  - name: Gift Deliveries',
      '    client_id: ##ID##',
      '   grant_types: [client_credentials',
    ].join('\n')
    const error = await rejection(parseYaml(text, { ID: 'x' }))
    expect(error).toBeInstanceOf(TenantSyntaxError)
    expect(error.code).toBe('TENANT_ERR_SYNTAX')
    expect(error.line).toBe(4)
    expect(error.message).toMatch(/^test\.yaml: YAML syntax error at line 4, column \d+: /)
    // The excerpt shows the placeholder as written, not the loader's marker.
    expect(error.message).toContain('##ID##')
  })

  it('reports duplicate keys as a syntax error', async () => {
    const error = await rejection(parseYaml('tenant:\n  friendly_name: a\n  friendly_name: b\n'))
    expect(error).toBeInstanceOf(TenantSyntaxError)
    expect(error.line).toBe(3)
  })

  it('reports a JSON syntax error with its line', async () => {
    const error = await rejection(
      parseTenantDocument('{\n  "clients": [\n    { "name": "A", }\n  ]\n}', 'json', {
        issuer: ISSUER,
        baseDir: FIXTURES,
        source: 'tenant.json',
      }),
    )
    expect(error).toBeInstanceOf(TenantSyntaxError)
    expect(error.line).toBe(3)
    expect(error.message).toMatch(/^tenant\.json: JSON syntax error at line 3, column \d+: /)
  })

  it('refuses a document that is not a mapping of sections', async () => {
    const error = await rejection(parseYaml('- clients\n- resourceServers\n'))
    expect(error).toBeInstanceOf(TenantInvalidError)
    expect(error.problems).toEqual(['(document): must be a mapping of sections (got a list)'])
  })

  it('refuses a file name that is neither YAML nor JSON', async () => {
    const error = await rejection(loadTenantFile('tenant.toml', { issuer: ISSUER }))
    expect(error).toBeInstanceOf(TenantFormatError)
    expect(error.code).toBe('TENANT_ERR_FORMAT')
  })

  it('reports a tenant file that cannot be read', async () => {
    const error = await rejection(loadTenantFile(join(FIXTURES, 'nope.yaml'), { issuer: ISSUER }))
    expect(error).toBeInstanceOf(TenantReadError)
    expect(error.message).toContain('nope.yaml')
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
  })

  it('refuses an issuer that is not an http(s) URL', async () => {
    const error = await rejection(loadTenantFile(DEV_TENANT, { issuer: 'localhost:4000' }))
    expect(error).toBeInstanceOf(TenantOptionError)
    expect(error.code).toBe('TENANT_ERR_OPTION')
  })
})

describe('token quotas', () => {
  it('reads a client token quota (Auth0 fine-grained quota shape)', async () => {
    const document = baseDocument()
    const clients = document.clients as Array<Record<string, unknown>>
    ;(clients[0] as Record<string, unknown>).token_quota = {
      client_credentials: { enforce: true, per_hour: 10, per_day: 100 },
    }
    const { tenant } = await parseYaml(document)
    expect(clientNamed(tenant, 'Gift Deliveries').token_quota).toEqual({
      client_credentials: { enforce: true, per_hour: 10, per_day: 100 },
    })
    expect(clientNamed(tenant, 'Storefront').token_quota).toBeUndefined()
  })
})

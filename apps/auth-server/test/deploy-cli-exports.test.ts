import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AuthServer, createAuthServer } from '../src/server.js'
import { clientSecretsEnv, envPrefixOf } from '../src/state/client-secrets-env.js'
import { loadTenantFile, parseTenantDocument } from '../src/tenant/load-tenant.js'
import type { Client } from '../src/tenant/model.js'
import { decodeJwt } from './helpers/test-server.js'

/**
 * The Auth0 Deploy CLI's own exports (test/fixtures/deploy-cli, MIT, © Auth0)
 * load as they are, and their M2M clients get tokens: what the Deploy CLI's
 * `examples/yaml` and `test/e2e/testdata` hold, with the keyword values its
 * own e2e tests deploy them with.
 */

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'deploy-cli')
const ISSUER = 'http://localhost:4000/'

const EXPORTS = {
  'examples-yaml': { clients: 9, grants: 1, organizations: 1 },
  'e2e/empty-tenant': { clients: 2, grants: 0, organizations: 0 },
  'e2e/keyword-replacements/yaml': { clients: 0, grants: 0, organizations: 0 },
  'e2e/lots-of-configuration': { clients: 7, grants: 2, organizations: 2 },
  'e2e/should-deploy-without-throwing-an-error': { clients: 2, grants: 0, organizations: 0 },
  'e2e/should-preserve-keywords/yaml': { clients: 1, grants: 0, organizations: 0 },
} as const

const fixture = (name: string) => join(FIXTURES, name, 'tenant.yaml')

/** `KEY=value` lines (what the tenant writes is bare or single-quoted). */
function parseEnv(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=')
      return [line.slice(0, at), line.slice(at + 1).replace(/^'(.*)'$/, '$1')] as const
    })
  return Object.fromEntries(entries)
}

describe('Deploy CLI exports', () => {
  for (const [name, expected] of Object.entries(EXPORTS)) {
    it(`loads ${name}`, async () => {
      const { tenant, ignoredSections } = await loadTenantFile(fixture(name), { issuer: ISSUER })
      expect({
        clients: tenant.clients.length,
        grants: tenant.clientGrants.length,
        organizations: tenant.organizations.length,
      }).toEqual(expected)
      // The Management API is always there.
      expect(tenant.resourceServers[0]?.identifier).toBe(`${ISSUER}api/v2/`)
      expect(ignoredSections).not.toContain('clients')
    })
  }

  it('lists the sections it does not read, once, in file order', async () => {
    const { ignoredSections } = await loadTenantFile(fixture('e2e/lots-of-configuration'), {
      issuer: ISSUER,
    })
    expect(ignoredSections.slice(0, 5)).toEqual([
      'rules',
      'rulesConfigs',
      'hooks',
      'pages',
      'databases',
    ])
    expect(ignoredSections).toEqual(
      expect.arrayContaining(['emailTemplates', 'guardianFactors', 'roles', 'attackProtection']),
    )
    for (const read of [
      'tenant',
      'resourceServers',
      'clientGrants',
      'organizations',
      'actions',
      'triggers',
    ]) {
      expect(ignoredSections).not.toContain(read)
    }
  })

  it('replaces keywords as the Deploy CLI does, in string and array forms', async () => {
    const examples = await loadTenantFile(fixture('examples-yaml'), { issuer: ISSUER })
    // "https://##ENV##.myapp.com/api/v1" with ENV=DEV (examples/yaml/config.json.example).
    expect(examples.tenant.resourceServers.map((api) => api.identifier)).toContain(
      'https://DEV.myapp.com/api/v1',
    )
    const preserved = await loadTenantFile(fixture('e2e/should-preserve-keywords/yaml'), {
      issuer: ISSUER,
    })
    expect(preserved.tenant.clients[0]?.name).toBe('Auth0 CLI - dev')
    expect(preserved.tenant.settings.friendly_name).toBe('This tenant name should be preserved')
  })
})

describe('a Deploy CLI export served', () => {
  let dataDir: string
  let server: AuthServer
  let env: Record<string, string>
  /** The export, served with its state in `dataDir`. */
  const start = () =>
    createAuthServer({
      issuer: ISSUER,
      tenantFile: fixture('e2e/lots-of-configuration'),
      dataDir,
      keywordMappings: {},
      testControls: false,
      rateLimit: { perSecond: 1000, burst: 1000 },
      managementRateLimit: { perSecond: 1000, burst: 1000 },
    })

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'deploy-cli-export-'))
    server = await start()
    env = parseEnv(await readFile(join(dataDir, 'client-secrets.env'), 'utf8'))
  })
  afterAll(async () => {
    await server.app.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  const token = (profile: string, audience: string) =>
    server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: env[`${profile}_CLIENT_ID`],
        client_secret: env[`${profile}_CLIENT_SECRET`],
        audience,
      },
    })

  it('writes every client id and secret to DATA_DIR/client-secrets.env, owner-only', async () => {
    const mode = (await stat(join(dataDir, 'client-secrets.env'))).mode & 0o777
    expect(mode).toBe(0o600)
    expect(Object.keys(env).sort()).toEqual(
      [
        'API_EXPLORER_APPLICATION',
        'NODE_APP',
        'QUICKSTARTS_API_TEST_APPLICATION',
        'TERRAFORM_PROVIDER',
        'THE_DEFAULT_APP',
        'TEST_SPA',
        'AUTH0_DEPLOY_CLI_EXTENSION',
      ]
        .flatMap((name) => [`${name}_CLIENT_ID`, `${name}_CLIENT_SECRET`])
        .sort(),
    )
    expect(server.newSecrets).toHaveLength(7)
  })

  it("gives the export's M2M clients tokens for its Management API, with Auth0's scopes", async () => {
    for (const profile of ['API_EXPLORER_APPLICATION', 'TERRAFORM_PROVIDER']) {
      const res = await token(profile, 'https://auth0-deploy-cli-e2e.us.auth0.com/api/v2/')
      expect(res.statusCode).toBe(200)
      const { payload } = decodeJwt(res.json().access_token)
      expect(payload.aud).toBe(`${ISSUER}api/v2/`)
      expect(payload.scope.split(' ')).toEqual(
        expect.arrayContaining(['read:users', 'update:users', 'read:client_keys', 'read:logs']),
      )
    }
  })

  /** A Management API token of the export's API Explorer Application (every scope). */
  async function adminHeaders() {
    const res = await token('API_EXPLORER_APPLICATION', `${ISSUER}api/v2/`)
    return { authorization: `Bearer ${res.json().access_token}` }
  }

  it("refuses a client without client_credentials with Auth0's 403 unauthorized_client", async () => {
    const patched = await server.app.inject({
      method: 'PATCH',
      url: `/api/v2/clients/${env.THE_DEFAULT_APP_CLIENT_ID}`,
      headers: await adminHeaders(),
      payload: { grant_types: ['authorization_code', 'refresh_token'] },
    })
    expect(patched.statusCode).toBe(200)
    const res = await token('THE_DEFAULT_APP', `${ISSUER}api/v2/`)
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({
      error: 'unauthorized_client',
      error_description: "Grant type 'client_credentials' not allowed for the client.",
    })
  })

  it("serves the export's private_key_jwt client: its credential loaded, its secret refused", async () => {
    // Node App carries client_authentication_methods.private_key_jwt with one public key
    // (and token_endpoint_auth_method, which the Deploy CLI drops for such a client).
    const id = env.NODE_APP_CLIENT_ID as string
    // The export's grant predates Auth0's client credential scopes: add one to it.
    const explorer = env.API_EXPLORER_APPLICATION_CLIENT_ID as string
    const [grant] = (
      await server.app.inject({
        url: `/api/v2/client-grants?client_id=${explorer}`,
        headers: await adminHeaders(),
      })
    ).json() as Array<{ id: string; scope: string[] }>
    const widened = await server.app.inject({
      method: 'PATCH',
      url: `/api/v2/client-grants/${grant?.id}`,
      headers: await adminHeaders(),
      payload: { scope: [...(grant?.scope ?? []), 'read:client_credentials'] },
    })
    expect(widened.statusCode).toBe(200)
    const headers = await adminHeaders()
    const client = (await server.app.inject({ url: `/api/v2/clients/${id}`, headers })).json()
    expect(client.token_endpoint_auth_method).toBeNull()
    const credentials = (
      await server.app.inject({ url: `/api/v2/clients/${id}/credentials`, headers })
    ).json()
    expect(credentials).toEqual([
      {
        id: expect.stringMatching(/^cred_/),
        name: 'e2e-test-key',
        credential_type: 'public_key',
        kid: expect.stringMatching(/^[\w-]{43}$/),
        alg: 'RS256',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    ])
    expect(client.client_authentication_methods).toEqual({
      private_key_jwt: { credentials: [{ id: credentials[0].id }] },
    })
    const res = await token('NODE_APP', `${ISSUER}api/v2/`)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({
      error: 'invalid_client',
      error_description:
        'The client authenticates with private_key_jwt: send a client_assertion, not a client_secret',
    })
  })

  it('returns client_secret to a token with read:client_keys only, as Auth0 does', async () => {
    const withKeys = await adminHeaders()
    const id = env.TERRAFORM_PROVIDER_CLIENT_ID as string
    const one = await server.app.inject({ url: `/api/v2/clients/${id}`, headers: withKeys })
    expect(one.statusCode).toBe(200)
    expect(one.json().client_secret).toBe(env.TERRAFORM_PROVIDER_CLIENT_SECRET)
    const list = await server.app.inject({ url: '/api/v2/clients', headers: withKeys })
    expect(list.json().every((c: { client_secret?: string }) => c.client_secret)).toBe(true)

    // Auth0 issues every scope of the grant: narrow Terraform Provider's grant to read:clients.
    const grants = await server.app.inject({
      url: `/api/v2/client-grants?client_id=${id}`,
      headers: withKeys,
    })
    const [grant] = grants.json() as Array<{ id: string }>
    const narrowed = await server.app.inject({
      method: 'PATCH',
      url: `/api/v2/client-grants/${grant?.id}`,
      headers: withKeys,
      payload: { scope: ['read:clients'] },
    })
    expect(narrowed.statusCode).toBe(200)
    const readOnly = await token('TERRAFORM_PROVIDER', `${ISSUER}api/v2/`)
    expect(decodeJwt(readOnly.json().access_token).payload.scope).toBe('read:clients')
    const hidden = await server.app.inject({
      url: `/api/v2/clients/${id}`,
      headers: { authorization: `Bearer ${readOnly.json().access_token}` },
    })
    expect(hidden.statusCode).toBe(200)
    expect(hidden.json()).not.toHaveProperty('client_secret')
    expect(hidden.json()).not.toHaveProperty('client_secret_hash')
  })

  it('keeps the same ids and secrets on the next start', async () => {
    const again = await start()
    try {
      expect(again.newSecrets).toEqual([])
      const text = await readFile(join(dataDir, 'client-secrets.env'), 'utf8')
      expect(parseEnv(text)).toEqual(env)
    } finally {
      await again.app.close()
    }
  })
})

describe('organizations of an export', () => {
  it("take a client's grant by its name alone, as the Deploy CLI exports them", async () => {
    const { tenant } = await parseTenantDocument(
      `
resourceServers:
  - name: Orders
    identifier: urn:orders
    scopes: [{ value: read:orders }]
  - name: Stock
    identifier: urn:stock
    scopes: [{ value: read:stock }]
clients:
  - name: Warehouse
    app_type: non_interactive
clientGrants:
  - client_id: Warehouse
    audience: urn:stock
    scope: [read:stock]
  - client_id: Warehouse
    audience: urn:orders
    scope: [read:orders]
organizations:
  - name: acme
    display_name: Acme
    client_grants:
      - client_id: Warehouse
  - name: globex
    display_name: Globex
    client_grants:
      - client_id: Warehouse
        audience: urn:orders
`,
      'yaml',
      { issuer: ISSUER, baseDir: '.' },
    )
    const grantOf = (id: string) => tenant.clientGrants.find((g) => g.id === id)?.audience
    const [acme, globex] = tenant.organizations
    // The Deploy CLI takes the client's first grant (organizations handler, getClientGrantIDByClientName).
    expect(acme?.client_grant_ids.map(grantOf)).toEqual(['urn:stock'])
    expect(globex?.client_grant_ids.map(grantOf)).toEqual(['urn:orders'])
  })

  it('refuses a client that has no grant', async () => {
    await expect(
      parseTenantDocument(
        `
clients:
  - name: Lonely
organizations:
  - name: acme
    client_grants:
      - client_id: Lonely
`,
        'yaml',
        { issuer: ISSUER, baseDir: '.' },
      ),
    ).rejects.toThrow(
      'organizations[0] ("acme").client_grants[0]: no client grant gives "Lonely" an API',
    )
  })
})

describe('client-secrets.env', () => {
  const client = (name: string, secret?: string): Client => ({
    client_id: `id-${name.length}`,
    name,
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_post',
    client_metadata: {},
    client_secret_hash: 'scrypt$x$y',
    ...(secret === undefined ? {} : { client_secret: secret }),
  })

  it('names each client in upper snake case, as m2m --profile reads it', () => {
    expect(envPrefixOf('API Explorer Application')).toBe('API_EXPLORER_APPLICATION')
    expect(envPrefixOf('Quickstarts API (Test Application)')).toBe(
      'QUICKSTARTS_API_TEST_APPLICATION',
    )
    expect(envPrefixOf('auth0-deploy-cli-extension')).toBe('AUTH0_DEPLOY_CLI_EXTENSION')
    expect(envPrefixOf('Café Crème')).toBe('CAFE_CREME')
    expect(envPrefixOf('2FA app')).toBe('CLIENT_2FA_APP')
  })

  it('keeps two clients apart whose names give the same prefix, and skips one without a secret', () => {
    const text = clientSecretsEnv([
      client('My App', 'a'.repeat(40)),
      client('My-App', 'b'.repeat(40)),
      client('Old', undefined),
    ])
    const env = parseEnv(text)
    expect(env.MY_APP_CLIENT_SECRET).toBe('a'.repeat(40))
    expect(env.MY_APP_2_CLIENT_SECRET).toBe('b'.repeat(40))
    expect(Object.keys(env).some((key) => key.startsWith('OLD'))).toBe(false)
  })

  it('quotes a secret that dotenv would otherwise change', () => {
    const secret = 'has spaces # and = signs, 32 characters at least'
    expect(parseEnv(clientSecretsEnv([client('Quoted', secret)])).QUOTED_CLIENT_SECRET).toBe(secret)
  })
})

import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createVerifier } from '@m2m/auth/verify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devTenantFile } from '../src/config.js'
import {
  type LocalTenant,
  LocalTenantClientError,
  LocalTenantTokenError,
  startLocalTenant,
} from '../src/testing/index.js'

// `@m2m/auth-server/testing`: the local tenant for other projects' suites.

const testDir = dirname(fileURLToPath(import.meta.url))
const devKeywords = JSON.parse(
  await readFile(join(dirname(devTenantFile), 'keywords.json'), 'utf8'),
) as Record<string, string>

const decode = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** A tenant as `tenant.yaml` parses to: no ids, no secrets, one action. */
const objectTenant = {
  resourceServers: [
    { name: 'Inventory API', identifier: 'urn:inventory', scopes: [{ value: 'read:stock' }] },
  ],
  clients: [
    { name: 'Warehouse Robot', app_type: 'non_interactive', grant_types: ['client_credentials'] },
  ],
  clientGrants: [
    { client_id: 'Warehouse Robot', audience: 'urn:inventory', scope: ['read:stock'] },
  ],
  actions: [
    {
      name: 'tag-client',
      code: './tenant-file/actions/tag-client.js',
      supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }],
    },
  ],
  triggers: { 'credentials-exchange': [{ action_name: 'tag-client' }] },
}

describe('startLocalTenant({ tenant: <path> }) with the dev tenant', () => {
  let tenant: LocalTenant
  beforeAll(async () => {
    tenant = await startLocalTenant({ tenant: devTenantFile })
  })
  afterAll(async () => {
    await tenant?.close()
  })

  it('listens on a random loopback port; issuer, jwksUri and tokenEndpoint name it', async () => {
    expect(tenant.issuer).toBe(`http://127.0.0.1:${tenant.port}/`)
    expect(tenant.jwksUri).toBe(`${tenant.issuer}.well-known/jwks.json`)
    expect(tenant.tokenEndpoint).toBe(`${tenant.issuer}oauth/token`)
    const discovery = (await (
      await fetch(`${tenant.issuer}.well-known/openid-configuration`)
    ).json()) as Record<string, string>
    expect(discovery).toMatchObject({
      issuer: tenant.issuer,
      jwks_uri: tenant.jwksUri,
      token_endpoint: tenant.tokenEndpoint,
    })
  })

  it('tokenFor(name) gives a token that verifies against jwksUri, with every granted scope', async () => {
    const token = await tenant.tokenFor('Storefront', 'urn:gift-deliveries', {
      scope: 'read:deliveries',
    })
    const verifier = createVerifier({
      issuer: tenant.issuer,
      audience: 'urn:gift-deliveries',
      jwksUri: tenant.jwksUri,
    })
    try {
      const { claims } = await verifier.verify(token)
      expect(claims).toMatchObject({
        iss: tenant.issuer,
        sub: 'storefront-dev@clients',
        aud: 'urn:gift-deliveries',
        gty: 'client-credentials',
        // Auth0 puts every scope of the grant in the token, whatever subset was asked for.
        scope: 'create:deliveries read:deliveries',
      })
    } finally {
      await verifier.close()
    }
  })

  it('tokenFor(id, audience, { organization }) names the organization in the token', async () => {
    const token = await tenant.tokenFor('gift-deliveries-dev', 'urn:worldmappers', {
      organization: 'acme',
    })
    expect(decode(token)).toMatchObject({ azp: 'gift-deliveries-dev', org_name: 'acme' })
  })

  it('clientSecret() is the secret the tenant checks (here the one the file gives)', () => {
    expect(tenant.clientSecret('Storefront')).toBe(devKeywords.STOREFRONT_CLIENT_SECRET)
    expect(tenant.clientSecret('storefront-dev')).toBe(devKeywords.STOREFRONT_CLIENT_SECRET)
    expect(tenant.clientId('Storefront')).toBe('storefront-dev')
  })

  it("a refused token request throws TESTING_ERR_TOKEN with the tenant's answer", async () => {
    const error = await tenant.tokenFor('Storefront', 'urn:worldmappers').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LocalTenantTokenError)
    expect(error).toMatchObject({
      code: 'TESTING_ERR_TOKEN',
      status: 403,
      body: { error: 'access_denied' },
    })
    expect((error as Error).message).toMatch(
      /^tokenFor\("Storefront", "urn:worldmappers"\): 403 access_denied Client is not authorized/,
    )
    expect((error as Error).message).not.toContain(devKeywords.STOREFRONT_CLIENT_SECRET)
  })

  it('an unknown client throws TESTING_ERR_CLIENT naming the clients there are', async () => {
    expect(() => tenant.clientSecret('Nobody')).toThrow(LocalTenantClientError)
    const error = await tenant.tokenFor('Nobody', 'urn:worldmappers').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TESTING_ERR_CLIENT' })
    expect((error as Error).message).toContain('"Storefront"')
  })

  it('mgmt() calls the Management API with every scope, and leaves no trace in the logs', async () => {
    const mgmt = tenant.mgmt()
    expect(decode(mgmt.token)).toMatchObject({
      iss: tenant.issuer,
      aud: `${tenant.issuer}api/v2/`,
    })
    const before = await mgmt.request<unknown[]>('GET', 'logs?q=type:seccft&per_page=100')
    const clients = await mgmt.request<Array<{ name: string; client_secret?: string }>>(
      'GET',
      '/clients',
    )
    expect(clients.status).toBe(200)
    // read:client_keys is among the scopes: secrets are shown.
    expect(clients.body.find((c) => c.name === 'Storefront')?.client_secret).toBe(
      devKeywords.STOREFRONT_CLIENT_SECRET,
    )
    const after = await mgmt.request<unknown[]>('GET', 'logs?q=type:seccft&per_page=100')
    expect(after.body.length).toBe(before.body.length)
  })

  it('a client created through mgmt() gets tokens through tokenFor() and its secret through clientSecret()', async () => {
    const mgmt = tenant.mgmt()
    const created = await mgmt.request<{ client_id: string; client_secret: string }>(
      'POST',
      'clients',
      { name: 'Created In Test', app_type: 'non_interactive', grant_types: ['client_credentials'] },
    )
    expect(created.status).toBe(201)
    const grant = await mgmt.request('POST', 'client-grants', {
      client_id: created.body.client_id,
      audience: 'urn:worldmappers',
      scope: ['directions'],
    })
    expect(grant.status).toBe(201)
    expect(tenant.clientSecret('Created In Test')).toBe(created.body.client_secret)
    const token = await tenant.tokenFor('Created In Test', 'urn:worldmappers')
    expect(decode(token)).toMatchObject({ azp: created.body.client_id, scope: 'directions' })
  })

  it('has no test controls unless asked (Auth0 has none)', async () => {
    expect((await fetch(`${tenant.issuer}__test__/exchanges`)).status).toBe(404)
  })
})

describe('startLocalTenant({ tenant: <object> })', () => {
  let tenant: LocalTenant
  beforeAll(async () => {
    tenant = await startLocalTenant({
      tenant: objectTenant,
      baseDir: join(testDir, 'fixtures'),
      testControls: true,
    })
  })
  afterAll(async () => {
    await tenant?.close()
  })

  it('loads the document; a client without a secret gets one, which clientSecret() returns', async () => {
    const clientId = tenant.clientId('Warehouse Robot')
    expect(clientId).toMatch(/^\w{32}$/)
    // Over HTTP, as any client would.
    const response = await fetch(tenant.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: tenant.clientSecret('Warehouse Robot'),
        audience: 'urn:inventory',
      }),
    })
    expect(response.status).toBe(200)
  })

  it('runs its actions, their code relative to baseDir', async () => {
    const token = await tenant.tokenFor('Warehouse Robot', 'urn:inventory')
    expect(decode(token)).toMatchObject({
      scope: 'read:stock',
      'https://m2m.example.com/client': 'Warehouse Robot',
    })
  })

  it('serves the test controls when asked', async () => {
    const exchanges = await fetch(`${tenant.issuer}__test__/exchanges`)
    expect(exchanges.status).toBe(200)
    expect(await exchanges.json()).toMatchObject({
      [tenant.clientId('Warehouse Robot')]: { succeeded: 2 },
    })
  })
})

describe('what startLocalTenant leaves behind', () => {
  it('close() stops listening and removes the temporary file of an object tenant; twice is fine', async () => {
    const tenant = await startLocalTenant({ tenant: { clients: [{ name: 'Lonely' }] } })
    expect(existsSync(tenant.tenantFile)).toBe(true)
    expect(await listening(tenant.port)).toBe(true)
    await Promise.all([tenant.close(), tenant.close()])
    await tenant.close()
    expect(await listening(tenant.port)).toBe(false)
    expect(existsSync(dirname(tenant.tenantFile))).toBe(false)
  })

  it('a tenant it refuses rejects with the loader error, and leaves no temporary file', async () => {
    const before = await tempEntries()
    const error = await startLocalTenant({
      tenant: { clientGrants: [{ client_id: 'Nobody', audience: 'urn:nowhere' }] },
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'TENANT_ERR_INVALID' })
    expect((error as Error).message).toContain('no client named "Nobody"')
    expect((await tempEntries()).filter((name) => !before.includes(name))).toEqual([])
  })

  it('with a dataDir, keys and client-secrets.env are kept there, and the secret across starts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'm2m-helper-data-'))
    try {
      const first = await startLocalTenant({
        tenant: objectTenant,
        baseDir: join(testDir, 'fixtures'),
        dataDir,
      })
      const secret = first.clientSecret('Warehouse Robot')
      await first.close()
      expect(await readFile(join(dataDir, 'client-secrets.env'), 'utf8')).toContain(secret)
      const second = await startLocalTenant({
        tenant: objectTenant,
        baseDir: join(testDir, 'fixtures'),
        dataDir,
      })
      try {
        expect(second.clientSecret('Warehouse Robot')).toBe(secret)
        await second.tokenFor('Warehouse Robot', 'urn:inventory')
      } finally {
        await second.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('rate limits are out of the way unless given: then the tenant answers 429 as Auth0 would', async () => {
    const tenant = await startLocalTenant({
      tenant: devTenantFile,
      rateLimit: { perSecond: 1, burst: 1 },
    })
    try {
      await tenant.tokenFor('Storefront', 'urn:gift-deliveries')
      const error = await tenant
        .tokenFor('Storefront', 'urn:gift-deliveries')
        .catch((e: unknown) => e)
      expect(error).toMatchObject({ status: 429, body: { error: 'too_many_requests' } })
    } finally {
      await tenant.close()
    }
  })

  it('tenants started at once get ports of their own', async () => {
    const tenants = await Promise.all(
      Array.from({ length: 4 }, () => startLocalTenant({ tenant: { clients: [{ name: 'A' }] } })),
    )
    try {
      expect(new Set(tenants.map((t) => t.port)).size).toBe(4)
    } finally {
      await Promise.all(tenants.map((t) => t.close()))
    }
  })
})

async function tempEntries(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises')
  return (await readdir(tmpdir())).filter((name) => name.startsWith('m2m-local-tenant-'))
}

describe('the node:test example', () => {
  it('test/node-test/local-tenant.node.ts passes under `node --test`, as the README shows it', async () => {
    const file = join(testDir, 'node-test/local-tenant.node.ts')
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@m2m/source', '--test', '--test-reporter=tap', file],
      { cwd: dirname(testDir), env: { PATH: process.env.PATH ?? '' }, timeout: 120_000 },
    )
    expect(stdout).toMatch(/^# pass [1-9]/m)
    expect(stdout).toMatch(/^# fail 0$/m)
  }, 150_000)
})

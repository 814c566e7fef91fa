import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TenantInvalidError } from '../src/errors.js'
import { parseTenantDocument } from '../src/tenant/load-tenant.js'
import { buildQuotaServer, management, requestToken, testClock } from './helpers/quota-server.js'
import { ISSUER } from './helpers/test-tenant.js'

// Where quotas come from: the Management API (clients, organizations, tenant
// settings), the tenant file in the Deploy CLI's shape, and the persisted state.

const T0 = Date.parse('2026-03-14T10:00:00Z')

let dataDir: string
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'auth-server-quota-'))
})
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

/** Bad quota values, each refused with a 400 naming the field (the path under the quota). */
const BAD_QUOTAS: Array<[string, unknown, string]> = [
  [
    'per_hour 0',
    { client_credentials: { per_hour: 0 } },
    '/client_credentials/per_hour must be >= 1',
  ],
  [
    'a fractional per_day',
    { client_credentials: { per_day: 1.5 } },
    '/client_credentials/per_day must be integer',
  ],
  [
    'per_day beyond 2^31-1',
    { client_credentials: { per_day: 2_147_483_648 } },
    '/client_credentials/per_day must be <= 2147483647',
  ],
  [
    'a word for per_hour',
    { client_credentials: { per_hour: 'ten' } },
    '/client_credentials/per_hour must be integer',
  ],
  [
    'enforce not a boolean',
    { client_credentials: { enforce: 'yes' } },
    '/client_credentials/enforce must be boolean',
  ],
  [
    'an empty client_credentials',
    { client_credentials: {} },
    '/client_credentials must NOT have fewer than 1 properties',
  ],
  [
    'an unknown bucket',
    { client_credentials: { per_minute: 5 } },
    '/client_credentials must not have the property "per_minute"',
  ],
  ['no client_credentials', {}, " must have required property 'client_credentials'"],
]

describe('the Management API', () => {
  it('creates and updates a client quota, enforced at once; null clears it', async () => {
    const { app } = await buildQuotaServer({ clock: testClock(T0) })
    try {
      const created = await management(app, 'POST', '/api/v2/clients', {
        name: 'Runaway Job',
        app_type: 'non_interactive',
        token_quota: { client_credentials: { per_hour: 1 } },
      })
      expect(created.statusCode).toBe(201)
      const { client_id, client_secret } = created.json()
      expect(created.json().token_quota).toEqual({
        client_credentials: { enforce: true, per_hour: 1 },
      })
      await management(app, 'POST', '/api/v2/client-grants', {
        client_id,
        audience: 'urn:worldmappers',
        scope: ['directions'],
      })
      const ask = () =>
        app.inject({
          method: 'POST',
          url: '/oauth/token',
          payload: {
            grant_type: 'client_credentials',
            client_id,
            client_secret,
            audience: 'urn:worldmappers',
          },
        })
      expect((await ask()).statusCode).toBe(200)
      expect((await ask()).statusCode).toBe(429)

      const patched = await management(app, 'PATCH', `/api/v2/clients/${client_id}`, {
        token_quota: { client_credentials: { per_hour: 5, enforce: false } },
      })
      expect(patched.json().token_quota).toEqual({
        client_credentials: { enforce: false, per_hour: 5 },
      })
      const afterPatch = await ask()
      expect(afterPatch.statusCode).toBe(200)
      expect(afterPatch.headers['auth0-client-quota-limit']).toBe('b=per_hour;q=5;r=3;t=3600')

      const cleared = await management(app, 'PATCH', `/api/v2/clients/${client_id}`, {
        token_quota: null,
      })
      expect(cleared.statusCode).toBe(200)
      expect(cleared.json()).not.toHaveProperty('token_quota')
      expect((await ask()).headers['auth0-client-quota-limit']).toBeUndefined()
    } finally {
      await app.close()
    }
  })

  it('creates and updates an organization quota, enforced at once; null clears it', async () => {
    const { app } = await buildQuotaServer({ clock: testClock(T0) })
    try {
      const created = await management(app, 'POST', '/api/v2/organizations', {
        name: 'globex',
        token_quota: { client_credentials: { per_day: 1, enforce: true } },
      })
      expect(created.statusCode).toBe(201)
      const org = created.json()
      expect(org.token_quota).toEqual({ client_credentials: { enforce: true, per_day: 1 } })
      const ask = () =>
        requestToken(app, 'storefront', { audience: 'urn:gift-deliveries', organization: org.id })
      expect((await ask()).headers['auth0-organization-quota-limit']).toBe(
        'b=per_day;q=1;r=0;t=50400',
      )
      const refused = await ask()
      expect(refused.statusCode).toBe(429)
      expect(refused.json().error_description).toBe('Organization quota exceeded')

      const patched = await management(app, 'PATCH', `/api/v2/organizations/${org.id}`, {
        token_quota: { client_credentials: { per_hour: 10 } },
      })
      expect(patched.statusCode).toBe(200)
      expect(patched.json().token_quota).toEqual({
        client_credentials: { enforce: true, per_hour: 10 },
      })
      expect(
        (await management(app, 'GET', `/api/v2/organizations/${org.id}`)).json().token_quota,
      ).toEqual({
        client_credentials: { enforce: true, per_hour: 10 },
      })
      expect((await ask()).headers['auth0-organization-quota-limit']).toBe(
        'b=per_hour;q=10;r=9;t=3600',
      )

      await management(app, 'PATCH', `/api/v2/organizations/${org.id}`, { token_quota: null })
      const free = await ask()
      expect(free.statusCode).toBe(200)
      expect(free.headers['auth0-organization-quota-limit']).toBeUndefined()
    } finally {
      await app.close()
    }
  })

  it("sets the tenant's default_token_quota (Auth0's example), applied to the next request; null clears it", async () => {
    const { app } = await buildQuotaServer({ clock: testClock(T0) })
    try {
      const body = {
        default_token_quota: {
          clients: { client_credentials: { per_hour: 100, per_day: 1000, enforce: true } },
          organizations: { client_credentials: { per_hour: 500, per_day: 5000, enforce: false } },
        },
      }
      const patched = await management(app, 'PATCH', '/api/v2/tenants/settings', body)
      expect(patched.statusCode).toBe(200)
      expect(patched.json().default_token_quota).toEqual(body.default_token_quota)
      expect(
        (await management(app, 'GET', '/api/v2/tenants/settings')).json().default_token_quota,
      ).toEqual(body.default_token_quota)
      const answer = await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
      expect(answer.headers['auth0-client-quota-limit']).toBe(
        'b=per_hour;q=100;r=99;t=3600,b=per_day;q=1000;r=999;t=50400',
      )
      expect(answer.headers['auth0-organization-quota-limit']).toBe(
        'b=per_hour;q=500;r=499;t=3600,b=per_day;q=5000;r=4999;t=50400',
      )
      // enforce defaults to true, as on Auth0.
      const clientsOnly = await management(app, 'PATCH', '/api/v2/tenants/settings', {
        default_token_quota: { clients: { client_credentials: { per_hour: 7 } } },
      })
      expect(clientsOnly.json().default_token_quota).toEqual({
        clients: { client_credentials: { enforce: true, per_hour: 7 } },
      })
      const cleared = await management(app, 'PATCH', '/api/v2/tenants/settings', {
        default_token_quota: null,
      })
      expect(cleared.json()).not.toHaveProperty('default_token_quota')
      expect(
        (await requestToken(app, 'gift-deliveries')).headers['auth0-client-quota-limit'],
      ).toBeUndefined()
    } finally {
      await app.close()
    }
  })

  describe('refuses a bad quota with a 400 naming the field', () => {
    const routes: Array<[string, 'POST' | 'PATCH', string, (quota: unknown) => unknown, string]> = [
      [
        'a client (POST)',
        'POST',
        '/api/v2/clients',
        (q) => ({ name: 'Bad', token_quota: q }),
        'body/token_quota',
      ],
      [
        'a client (PATCH)',
        'PATCH',
        '/api/v2/clients/gift-deliveries',
        (q) => ({ token_quota: q }),
        'body/token_quota',
      ],
      [
        'an organization (POST)',
        'POST',
        '/api/v2/organizations',
        (q) => ({ name: 'bad', token_quota: q }),
        'body/token_quota',
      ],
      [
        'an organization (PATCH)',
        'PATCH',
        '/api/v2/organizations/org_acme',
        (q) => ({ token_quota: q }),
        'body/token_quota',
      ],
      [
        'the tenant default for clients',
        'PATCH',
        '/api/v2/tenants/settings',
        (q) => ({ default_token_quota: { clients: q } }),
        'body/default_token_quota/clients',
      ],
      [
        'the tenant default for organizations',
        'PATCH',
        '/api/v2/tenants/settings',
        (q) => ({ default_token_quota: { organizations: q } }),
        'body/default_token_quota/organizations',
      ],
    ]
    for (const [where, method, url, body, prefix] of routes) {
      it(`on ${where}`, async () => {
        const { app } = await buildQuotaServer()
        try {
          for (const [, quota, message] of BAD_QUOTAS) {
            const answer = await management(app, method, url, body(quota))
            expect(answer.statusCode, JSON.stringify(quota)).toBe(400)
            expect(answer.json()).toMatchObject({
              errorCode: 'invalid_body',
              message: `Payload validation error: ${prefix}${message}`,
            })
          }
          const empty = await management(app, 'PATCH', '/api/v2/tenants/settings', {
            default_token_quota: {},
          })
          expect(empty.json().message).toBe(
            'Payload validation error: body/default_token_quota must NOT have fewer than 1 properties',
          )
        } finally {
          await app.close()
        }
      })
    }
  })

  it('persists every quota across a restart', async () => {
    const first = await buildQuotaServer({ dataDir })
    let clientId: string
    let orgId: string
    try {
      clientId = (
        await management(first.app, 'POST', '/api/v2/clients', {
          name: 'Kept',
          token_quota: { client_credentials: { per_day: 3 } },
        })
      ).json().client_id
      orgId = (
        await management(first.app, 'POST', '/api/v2/organizations', {
          name: 'kept',
          token_quota: { client_credentials: { per_hour: 4, enforce: false } },
        })
      ).json().id
      await management(first.app, 'PATCH', '/api/v2/tenants/settings', {
        default_token_quota: { organizations: { client_credentials: { per_day: 9 } } },
      })
    } finally {
      await first.app.close()
    }
    const second = await buildQuotaServer({ dataDir })
    try {
      const { app } = second
      expect(
        (await management(app, 'GET', `/api/v2/clients/${clientId}`)).json().token_quota,
      ).toEqual({
        client_credentials: { enforce: true, per_day: 3 },
      })
      expect(
        (await management(app, 'GET', `/api/v2/organizations/${orgId}`)).json().token_quota,
      ).toEqual({
        client_credentials: { enforce: false, per_hour: 4 },
      })
      expect(
        (await management(app, 'GET', '/api/v2/tenants/settings')).json().default_token_quota,
      ).toEqual({
        organizations: { client_credentials: { enforce: true, per_day: 9 } },
      })
    } finally {
      await second.app.close()
    }
  })

  it('enforces an organization quota and a default stored before the tenant acted on them', async () => {
    const first = await buildQuotaServer({ dataDir })
    let orgId: string
    try {
      orgId = (
        await management(first.app, 'POST', '/api/v2/organizations', { name: 'legacy' })
      ).json().id
    } finally {
      await first.app.close()
    }
    // What an earlier version wrote: both kept as given, in auth0_fields.
    const file = join(dataDir, 'tenant-state.json')
    const state = JSON.parse(await readFile(file, 'utf8'))
    const org = state.organizations.find((o: { id: string }) => o.id === orgId)
    org.auth0_fields = {
      token_quota: { client_credentials: { per_hour: 2 } },
      branding: { logo_url: 'x' },
    }
    state.settings.auth0_fields = {
      default_token_quota: { clients: { client_credentials: { per_day: 8, enforce: false } } },
    }
    await writeFile(file, JSON.stringify(state))

    const { app } = await buildQuotaServer({ dataDir })
    try {
      const fetched = (await management(app, 'GET', `/api/v2/organizations/${orgId}`)).json()
      expect(fetched.token_quota).toEqual({ client_credentials: { enforce: true, per_hour: 2 } })
      expect(fetched.branding).toEqual({ logo_url: 'x' })
      const settings = (await management(app, 'GET', '/api/v2/tenants/settings')).json()
      expect(settings.default_token_quota).toEqual({
        clients: { client_credentials: { enforce: false, per_day: 8 } },
      })
      const answer = await requestToken(app, 'limited')
      expect(answer.headers['auth0-client-quota-limit']).toMatch(/^b=per_day;q=8;/)
    } finally {
      await app.close()
    }
  })
})

describe('the tenant file (Deploy CLI shape)', () => {
  const TENANT_YAML = `
tenant:
  friendly_name: Quota tenant
  allow_organization_name_in_authentication_api: true
  default_token_quota:
    clients:
      client_credentials:
        per_hour: 100
        per_day: 1000
        enforce: true
    organizations:
      client_credentials:
        per_day: 5000
        enforce: false
resourceServers:
  - name: World Mappers API
    identifier: urn:worldmappers
    scopes:
      - value: directions
clients:
  - name: Nightly Export
    client_id: nightly-export
    client_secret: nightly-export-secret-0123456789abcdefghijklmnop
    app_type: non_interactive
    token_quota:
      client_credentials:
        per_hour: 2
  - name: Default Quota Client
    client_id: default-quota
    client_secret: default-quota-secret-0123456789abcdefghijklmnop
    token_quota: null
clientGrants:
  - client_id: Nightly Export
    audience: urn:worldmappers
    scope: [directions]
    organization_usage: allow
  - client_id: Default Quota Client
    audience: urn:worldmappers
    scope: [directions]
organizations:
  - name: acme
    display_name: Acme
    client_grants:
      - client_id: Nightly Export
    token_quota:
      client_credentials:
        per_hour: 1
        enforce: true
  - name: initech
    client_grants:
      - client_id: Nightly Export
`

  const load = (text: string) =>
    parseTenantDocument(text, 'yaml', { issuer: ISSUER, baseDir: dataDir, source: 'tenant.yaml' })

  it('reads token_quota on clients and organizations, and the tenant default_token_quota', async () => {
    const { tenant } = await load(TENANT_YAML)
    expect(tenant.settings.default_token_quota).toEqual({
      clients: { client_credentials: { enforce: true, per_hour: 100, per_day: 1000 } },
      organizations: { client_credentials: { enforce: false, per_day: 5000 } },
    })
    expect(tenant.clients.map((c) => [c.name, c.token_quota])).toEqual([
      ['Nightly Export', { client_credentials: { enforce: true, per_hour: 2 } }],
      ['Default Quota Client', undefined],
    ])
    expect(tenant.organizations.map((o) => [o.name, o.token_quota])).toEqual([
      ['acme', { client_credentials: { enforce: true, per_hour: 1 } }],
      ['initech', undefined],
    ])
  })

  it('enforces them at the token endpoint', async () => {
    const { tenant } = await load(TENANT_YAML)
    const { app } = await buildQuotaServer({ tenant, clock: testClock(T0) })
    const ask = (client: string, organization?: string) =>
      app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: {
          grant_type: 'client_credentials',
          client_id: client,
          client_secret: `${client}-secret-0123456789abcdefghijklmnop`,
          audience: 'urn:worldmappers',
          ...(organization ? { organization } : {}),
        },
      })
    try {
      const first = await ask('nightly-export', 'acme')
      expect(first.headers['auth0-client-quota-limit']).toBe('b=per_hour;q=2;r=1;t=3600')
      expect(first.headers['auth0-organization-quota-limit']).toBe('b=per_hour;q=1;r=0;t=3600')
      expect((await ask('nightly-export', 'acme')).json().error_description).toBe(
        'Organization quota exceeded',
      )
      const initech = await ask('nightly-export', 'initech')
      expect(initech.statusCode).toBe(200)
      expect(initech.headers['auth0-organization-quota-limit']).toBe(
        'b=per_day;q=5000;r=4999;t=50400',
      )
      expect((await ask('nightly-export')).json().error_description).toBe('Client quota exceeded')
      expect((await ask('default-quota')).headers['auth0-client-quota-limit']).toBe(
        'b=per_hour;q=100;r=99;t=3600,b=per_day;q=1000;r=999;t=50400',
      )
    } finally {
      await app.close()
    }
  })

  it('lists every bad value, each with its place in the file', async () => {
    const bad = TENANT_YAML.replace('per_hour: 2\n', 'per_hour: 0\n')
      .replace('per_hour: 1\n        enforce: true', 'per_hour: 1.5\n        enforce: sometimes')
      .replace('per_day: 5000', 'per_day: 3000000000')
    const error = await load(bad).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(TenantInvalidError)
    expect((error as TenantInvalidError).problems).toEqual([
      'tenant.default_token_quota.organizations.client_credentials.per_day: must be <= 2147483647 (got 3000000000)',
      'clients[0] ("Nightly Export").token_quota.client_credentials.per_hour: must be >= 1 (got 0)',
      'organizations[0] ("acme").token_quota.client_credentials.enforce: must be boolean',
      'organizations[0] ("acme").token_quota.client_credentials.per_hour: must be integer',
    ])
  })
})

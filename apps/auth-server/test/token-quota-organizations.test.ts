import { describe, expect, it } from 'vitest'
import type { Tenant, TokenQuotaLimits } from '../src/tenant/model.js'
import { buildQuotaServer, logsOfType, requestToken, testClock } from './helpers/quota-server.js'

// Auth0's fine-grained quotas end to end: the client's and the organization's
// buckets together, through the real token endpoint and the tenant's logs.

const T0 = Date.parse('2026-03-14T10:00:00Z')

function setClientQuota(tenant: Tenant, clientId: string, limits: TokenQuotaLimits) {
  const client = tenant.clients.find((c) => c.client_id === clientId)
  if (!client) throw new Error(`no client ${clientId}`)
  client.token_quota = { client_credentials: limits }
}

function setOrganizationQuota(tenant: Tenant, orgId: string, limits: TokenQuotaLimits) {
  const org = tenant.organizations.find((o) => o.id === orgId)
  if (!org) throw new Error(`no organization ${orgId}`)
  org.token_quota = { client_credentials: limits }
}

describe('a request with an organization', () => {
  it('counts the client and the organization, and reports both headers as Auth0 does', async () => {
    const clock = testClock(T0)
    const { app } = await buildQuotaServer({
      clock,
      editTenant: (tenant) => {
        setClientQuota(tenant, 'gift-deliveries', { enforce: true, per_hour: 10, per_day: 50 })
        setOrganizationQuota(tenant, 'org_acme', { enforce: true, per_hour: 50, per_day: 250 })
      },
    })
    try {
      await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
      clock.at += 60_000
      const second = await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
      expect(second.statusCode).toBe(200)
      expect(second.headers['auth0-client-quota-limit']).toBe(
        'b=per_hour;q=10;r=8;t=3540,b=per_day;q=50;r=48;t=50340',
      )
      expect(second.headers['auth0-organization-quota-limit']).toBe(
        'b=per_hour;q=50;r=48;t=3540,b=per_day;q=250;r=248;t=50340',
      )
      // Without an organization, only the client's bucket is counted and reported.
      const alone = await requestToken(app, 'gift-deliveries')
      expect(alone.headers['auth0-client-quota-limit']).toMatch(/^b=per_hour;q=10;r=7;/)
      expect(alone.headers['auth0-organization-quota-limit']).toBeUndefined()
    } finally {
      await app.close()
    }
  })

  it('shares the organization bucket between clients, and refuses with Organization quota exceeded', async () => {
    const clock = testClock(T0 + 30 * 60_000)
    const { app } = await buildQuotaServer({
      clock,
      editTenant: (tenant) =>
        setOrganizationQuota(tenant, 'org_acme', { enforce: true, per_hour: 2 }),
    })
    try {
      expect(
        (await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })).statusCode,
      ).toBe(200)
      // storefront may use any organization (allow_any_organization), its own API.
      const store = await requestToken(app, 'storefront', {
        audience: 'urn:gift-deliveries',
        organization: 'org_acme',
      })
      expect(store.statusCode).toBe(200)
      expect(store.headers['auth0-organization-quota-limit']).toBe('b=per_hour;q=2;r=0;t=1800')

      const refused = await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
      expect(refused.statusCode).toBe(429)
      expect(refused.json()).toEqual({
        error: 'too_many_requests',
        error_description: 'Organization quota exceeded',
      })
      expect(refused.headers['auth0-organization-quota-limit']).toBe('b=per_hour;q=2;r=0;t=1800')
      expect(refused.headers['auth0-client-quota-limit']).toBeUndefined()
      expect(refused.headers['retry-after']).toBe('1800')
      expect(refused.headers['x-ratelimit-limit']).toBe('2')
      expect(refused.headers['x-ratelimit-remaining']).toBe('0')
      expect(refused.headers['x-ratelimit-reset']).toBe(String((T0 + 3_600_000) / 1000))

      // Another organization, and no organization at all, are not limited by it.
      const other = await requestToken(app, 'storefront', {
        audience: 'urn:gift-deliveries',
        organization: 'org_other',
      })
      expect(other.statusCode).toBe(200)
      expect((await requestToken(app, 'gift-deliveries')).statusCode).toBe(200)

      const failed = (await logsOfType(app, 'feccft'))[0]
      expect(failed).toMatchObject({
        type: 'feccft',
        description: 'Organization quota exceeded',
        client_id: 'gift-deliveries',
        details: { error: 'too_many_requests', status: 429 },
      })

      clock.at = T0 + 3_600_000 // the next UTC hour
      expect(
        (await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })).statusCode,
      ).toBe(200)
    } finally {
      await app.close()
    }
  })

  it("counts the client's default organization when the request names none", async () => {
    const { app } = await buildQuotaServer({
      clock: testClock(T0),
      editTenant: (tenant) => {
        const client = tenant.clients.find((c) => c.client_id === 'gift-deliveries')
        if (client)
          client.default_organization = {
            organization_id: 'org_acme',
            flows: ['client_credentials'],
          }
        setOrganizationQuota(tenant, 'org_acme', { enforce: true, per_day: 1 })
      },
    })
    try {
      const first = await requestToken(app, 'gift-deliveries')
      expect(first.statusCode).toBe(200)
      expect(first.headers['auth0-organization-quota-limit']).toBe('b=per_day;q=1;r=0;t=50400')
      const second = await requestToken(app, 'gift-deliveries')
      expect(second.statusCode).toBe(429)
      expect(second.json().error_description).toBe('Organization quota exceeded')
    } finally {
      await app.close()
    }
  })

  it('names the client when both are spent and the client refills last', async () => {
    const { app } = await buildQuotaServer({
      clock: testClock(T0),
      editTenant: (tenant) => {
        setClientQuota(tenant, 'gift-deliveries', { enforce: true, per_day: 1 })
        setOrganizationQuota(tenant, 'org_acme', { enforce: true, per_hour: 1 })
      },
    })
    try {
      await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
      const refused = await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
      expect(refused.statusCode).toBe(429)
      expect(refused.json().error_description).toBe('Client quota exceeded')
      expect(refused.headers['retry-after']).toBe('50400')
      expect(refused.headers['x-ratelimit-limit']).toBe('1')
      expect(refused.headers['auth0-client-quota-limit']).toBe('b=per_day;q=1;r=0;t=50400')
      expect(refused.headers['auth0-organization-quota-limit']).toBe('b=per_hour;q=1;r=0;t=3600')
    } finally {
      await app.close()
    }
  })
})

describe('tenant defaults (default_token_quota)', () => {
  it('apply to clients and organizations without their own; their own quotas override them', async () => {
    const { app } = await buildQuotaServer({
      clock: testClock(T0),
      editTenant: (tenant) => {
        tenant.settings.default_token_quota = {
          clients: { client_credentials: { enforce: true, per_hour: 2 } },
          organizations: { client_credentials: { enforce: true, per_day: 5 } },
        }
        setClientQuota(tenant, 'limited', { enforce: true, per_hour: 4 })
        setOrganizationQuota(tenant, 'org_other', { enforce: false, per_day: 9 })
      },
    })
    try {
      const defaulted = await requestToken(app, 'gift-deliveries', { organization: 'acme' })
      expect(defaulted.headers['auth0-client-quota-limit']).toBe('b=per_hour;q=2;r=1;t=3600')
      expect(defaulted.headers['auth0-organization-quota-limit']).toBe('b=per_day;q=5;r=4;t=50400')
      const own = await requestToken(app, 'limited')
      expect(own.headers['auth0-client-quota-limit']).toBe('b=per_hour;q=4;r=3;t=3600')
      const ownOrg = await requestToken(app, 'storefront', {
        audience: 'urn:gift-deliveries',
        organization: 'org_other',
      })
      expect(ownOrg.headers['auth0-organization-quota-limit']).toBe('b=per_day;q=9;r=8;t=50400')
      // Each client has its own bucket of the default.
      await requestToken(app, 'gift-deliveries')
      expect((await requestToken(app, 'gift-deliveries')).statusCode).toBe(429)
      expect(
        (await requestToken(app, 'rfc9068', { audience: 'urn:gift-deliveries' })).statusCode,
      ).toBe(200)
    } finally {
      await app.close()
    }
  })
})

describe('enforce: false', () => {
  it('never refuses, still reports the headers, and logs consumption warnings at 60, 80 and 100 %', async () => {
    const { app } = await buildQuotaServer({
      clock: testClock(T0),
      editTenant: (tenant) => {
        setClientQuota(tenant, 'gift-deliveries', { enforce: false, per_hour: 5 })
        setOrganizationQuota(tenant, 'org_acme', { enforce: false, per_day: 3 })
      },
    })
    try {
      const answers = []
      for (let i = 0; i < 7; i++) {
        answers.push(await requestToken(app, 'gift-deliveries', { organization: 'org_acme' }))
      }
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200, 200])
      expect(answers[6]?.headers['auth0-client-quota-limit']).toBe('b=per_hour;q=5;r=0;t=3600')
      expect(answers[6]?.headers['auth0-organization-quota-limit']).toBe(
        'b=per_day;q=3;r=0;t=50400',
      )

      const warnings = (await logsOfType(app, 'token_quota_consumption_warning')).reverse()
      expect(warnings.map((w) => w.description)).toEqual([
        '60% of organization per_day quota consumed',
        '60% of client per_hour quota consumed',
        '80% of organization per_day quota consumed',
        '100% of organization per_day quota consumed',
        '80% of client per_hour quota consumed',
        '100% of client per_hour quota consumed',
      ])
      expect(warnings[0]).toMatchObject({
        type: 'token_quota_consumption_warning',
        client_id: 'gift-deliveries',
        client_name: 'Gift Deliveries',
        details: {
          bucket: 'per_day',
          entity_type: 'organization',
          entity_id: 'org_acme',
          quota: 3,
          quota_consumption_percentage: 60,
          quota_consumption: 2,
        },
      })
      expect(warnings[5]?.details).toEqual({
        bucket: 'per_hour',
        entity_type: 'client',
        entity_id: 'gift-deliveries',
        quota: 5,
        quota_consumption_percentage: 100,
        quota_consumption: 5,
      })
      expect(await logsOfType(app, 'feccft')).toEqual([])
    } finally {
      await app.close()
    }
  })
})

describe('reservations across the client and the organization', () => {
  it('200 concurrent exchanges against per_hour 50: exactly 50 issued', async () => {
    const { app } = await buildQuotaServer({
      clock: testClock(T0),
      editTenant: (tenant) => {
        setClientQuota(tenant, 'gift-deliveries', { enforce: true, per_hour: 50 })
        setOrganizationQuota(tenant, 'org_acme', { enforce: true, per_day: 1_000 })
      },
    })
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, () =>
          requestToken(app, 'gift-deliveries', { organization: 'org_acme' }),
        ),
      )
      expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(50)
      expect(answers.filter((a) => a.statusCode === 429)).toHaveLength(150)
      // Refused requests took nothing from the organization.
      const next = await requestToken(app, 'storefront', {
        audience: 'urn:gift-deliveries',
        organization: 'org_acme',
      })
      expect(next.headers['auth0-organization-quota-limit']).toBe('b=per_day;q=1000;r=949;t=50400')
    } finally {
      await app.close()
    }
  })

  it('two clients racing for one organization (per_hour 50): exactly 50 issued between them', async () => {
    const { app } = await buildQuotaServer({
      clock: testClock(T0),
      editTenant: (tenant) =>
        setOrganizationQuota(tenant, 'org_acme', { enforce: true, per_hour: 50 }),
    })
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          i % 2 === 0
            ? requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
            : requestToken(app, 'storefront', {
                audience: 'urn:gift-deliveries',
                organization: 'org_acme',
              }),
        ),
      )
      expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(50)
      expect(
        new Set(answers.filter((a) => a.statusCode === 429).map((a) => a.json().error_description)),
      ).toEqual(new Set(['Organization quota exceeded']))
    } finally {
      await app.close()
    }
  })

  it('gives the tokens back when the exchange fails after the reservation (an Action denies)', async () => {
    const { app } = await buildQuotaServer({
      clock: testClock(T0),
      withActions: true,
      editTenant: (tenant) => setClientQuota(tenant, 'banned', { enforce: true, per_hour: 1 }),
    })
    try {
      for (let i = 0; i < 3; i++) {
        const denied = await requestToken(app, 'banned')
        expect(denied.statusCode).toBe(400)
        expect(denied.json().error_description).toBe('This device has been banned')
      }
      expect(await logsOfType(app, 'token_quota_consumption_warning')).toEqual([])
    } finally {
      await app.close()
    }
  })
})

import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import {
  buildQuotaServer,
  logsOfType,
  type QuotaApp,
  requestToken,
  testClock,
} from './helpers/quota-server.js'
import { MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

// The simulated plan allowance: Auth0 Free's 1,000 M2M tokens a month per
// tenant, then "further M2M tokens are blocked until the plan is upgraded or
// the month resets".

describe('TENANT_PLAN', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    [undefined, undefined],
    ['', undefined],
    ['none', undefined],
    ['free', 'free'],
  ]
  for (const [raw, plan] of cases) {
    it(`${JSON.stringify(raw)} simulates ${plan ?? 'no plan'}`, () => {
      expect(loadConfig(raw === undefined ? {} : { TENANT_PLAN: raw }).tenantPlan).toBe(plan)
    })
  }

  it('refuses a plan it does not simulate, naming the variable', () => {
    expect(() => loadConfig({ TENANT_PLAN: 'enterprise' })).toThrow(
      'TENANT_PLAN: must be one of none, free, got "enterprise"',
    )
  })
})

/** `count` token requests of `clientId`, 100 at a time; their status codes. */
async function requestMany(app: QuotaApp, clientId: string, count: number, params = {}) {
  const statuses: number[] = []
  for (let done = 0; done < count; done += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, count - done) }, () =>
        requestToken(app, clientId, params),
      ),
    )
    statuses.push(...batch.map((answer) => answer.statusCode))
  }
  return statuses
}

describe('the free plan (1,000 M2M tokens a month)', () => {
  it('issues 1,000 tokens in a UTC month, then refuses with 429 until the month resets', async () => {
    const clock = testClock(Date.parse('2026-02-27T18:00:00Z'))
    const { app } = await buildQuotaServer({ clock, tenantPlan: 'free' })
    try {
      // Management API tokens do not count against the plan, as on Auth0.
      expect((await requestToken(app, 'admin', { audience: MANAGEMENT_AUDIENCE })).statusCode).toBe(
        200,
      )

      const statuses = await requestMany(app, 'gift-deliveries', 1_000)
      expect(statuses.every((status) => status === 200)).toBe(true)

      const refused = await requestToken(app, 'limited')
      expect(refused.statusCode).toBe(429)
      expect(refused.json()).toEqual({
        error: 'too_many_requests',
        error_description:
          'Machine to Machine Auth is currently being denied as you have exceeded your plan limit for this month',
      })
      const firstOfMarch = Date.parse('2026-03-01T00:00:00Z')
      expect(refused.headers['retry-after']).toBe(String((firstOfMarch - clock.at) / 1000))
      expect(refused.headers['x-ratelimit-limit']).toBe('1000')
      expect(refused.headers['x-ratelimit-remaining']).toBe('0')
      expect(refused.headers['x-ratelimit-reset']).toBe(String(firstOfMarch / 1000))
      // No quota header: Auth0 sends none for the plan.
      expect(refused.headers['auth0-client-quota-limit']).toBeUndefined()
      expect((await requestToken(app, 'admin', { audience: MANAGEMENT_AUDIENCE })).statusCode).toBe(
        200,
      )

      const [failed] = await logsOfType(app, 'feccft')
      expect(failed).toMatchObject({ client_id: 'limited', details: { status: 429 } })

      clock.at = Date.parse('2026-02-28T23:59:59Z')
      expect((await requestToken(app, 'limited')).statusCode).toBe(429)
      clock.at = firstOfMarch
      expect((await requestToken(app, 'limited')).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it('logs a warning at 80 % and at 100 % of the allowance, once each', async () => {
    const clock = testClock(Date.parse('2026-03-14T10:00:00Z'))
    const { app } = await buildQuotaServer({ clock, tenantPlan: 'free' })
    try {
      await requestMany(app, 'gift-deliveries', 799)
      expect(await logsOfType(app, 'token_quota_consumption_warning')).toEqual([])
      // The tokens that cross a threshold, one at a time: concurrent commits may come in any order.
      await requestToken(app, 'limited') // the 800th
      await requestMany(app, 'gift-deliveries', 199)
      await requestToken(app, 'limited') // the 1,000th
      await requestMany(app, 'limited', 5) // refused: no more warnings
      const warnings = (await logsOfType(app, 'token_quota_consumption_warning')).reverse()
      expect(warnings.map((w) => [w.description, w.client_id, w.details])).toEqual([
        [
          '80% of tenant monthly quota consumed',
          'limited',
          {
            bucket: 'monthly',
            entity_type: 'tenant',
            entity_id: 'auth.test',
            quota: 1000,
            quota_consumption_percentage: 80,
            quota_consumption: 800,
          },
        ],
        [
          '100% of tenant monthly quota consumed',
          'limited',
          {
            bucket: 'monthly',
            entity_type: 'tenant',
            entity_id: 'auth.test',
            quota: 1000,
            quota_consumption_percentage: 100,
            quota_consumption: 1000,
          },
        ],
      ])
    } finally {
      await app.close()
    }
  })

  it('applies beside fine-grained quotas, whose headers still come', async () => {
    const clock = testClock(Date.parse('2026-03-31T23:00:00Z'))
    const { app } = await buildQuotaServer({
      clock,
      tenantPlan: 'free',
      editTenant: (tenant) => {
        tenant.settings.default_token_quota = {
          clients: { client_credentials: { enforce: true, per_day: 2_000 } },
        }
      },
    })
    try {
      await requestMany(app, 'gift-deliveries', 1_000)
      const refused = await requestToken(app, 'gift-deliveries')
      expect(refused.statusCode).toBe(429)
      // The plan refused (the client's bucket is half full), until the 1st of April.
      expect(refused.json().error_description).toMatch(/plan limit for this month$/)
      expect(refused.headers['retry-after']).toBe('3600')
      expect(refused.headers['x-ratelimit-limit']).toBe('1000')
      expect(refused.headers['auth0-client-quota-limit']).toBe('b=per_day;q=2000;r=1000;t=3600')
    } finally {
      await app.close()
    }
  })
})

import {
  type MeterProvider as ApiMeterProvider,
  type Attributes,
  metrics,
} from '@opentelemetry/api'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { describe, expect, it } from 'vitest'
import { createTokenMetrics, METER_NAME } from '../src/oauth/token-metrics.js'
import { buildQuotaServer, requestToken, testClock } from './helpers/quota-server.js'
import { MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

/** A reader the test collects from on demand. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function sdk() {
  const reader = new TestReader()
  const provider = new MeterProvider({ readers: [reader] })
  /** Every data point of `name`, as `{ attributes, value }`. */
  async function points(name: string) {
    const { resourceMetrics, errors } = await reader.collect()
    expect(errors).toEqual([])
    const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === METER_NAME)
    const metric = scope?.metrics.find((m) => m.descriptor.name === name)
    return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }))
  }
  return { provider, points }
}

const byAttributes = (a: { attributes: Attributes }, b: { attributes: Attributes }) =>
  JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))

describe('m2m.tenant.tokens.issued', () => {
  it('counts every answer by client, API and outcome, with the OAuth error when refused', async () => {
    const { provider, points } = sdk()
    const { app } = await buildQuotaServer({ meterProvider: provider, clock: testClock(0) })
    try {
      await requestToken(app, 'gift-deliveries')
      await requestToken(app, 'gift-deliveries')
      await requestToken(app, 'admin', { audience: MANAGEMENT_AUDIENCE })
      await requestToken(app, 'gift-deliveries', { scope: 'create:everything' })
      for (let i = 0; i < 4; i++) await requestToken(app, 'quota') // per_hour 3
      // Made-up values never become attributes: an unknown client, an unknown API.
      await requestToken(app, 'made-up-client')
      await requestToken(app, 'gift-deliveries', { audience: 'urn:made-up' })

      const counted = (await points('m2m.tenant.tokens.issued')).sort(byAttributes)
      expect(counted).toEqual(
        [
          {
            attributes: {
              client_id: 'gift-deliveries',
              audience: 'urn:worldmappers',
              outcome: 'issued',
            },
            value: 2,
          },
          {
            attributes: { client_id: 'admin', audience: MANAGEMENT_AUDIENCE, outcome: 'issued' },
            value: 1,
          },
          {
            attributes: {
              client_id: 'gift-deliveries',
              audience: 'urn:worldmappers',
              outcome: 'refused',
              error: 'access_denied',
            },
            value: 1,
          },
          {
            attributes: { client_id: 'quota', audience: 'urn:worldmappers', outcome: 'issued' },
            value: 3,
          },
          {
            attributes: {
              client_id: 'quota',
              audience: 'urn:worldmappers',
              outcome: 'refused',
              error: 'too_many_requests',
            },
            value: 1,
          },
          { attributes: { outcome: 'refused', error: 'access_denied' }, value: 1 },
          {
            attributes: {
              client_id: 'gift-deliveries',
              outcome: 'refused',
              error: 'access_denied',
            },
            value: 1,
          },
        ].sort(byAttributes),
      )
    } finally {
      await app.close()
      await provider.shutdown()
    }
  })

  it('reuses one attribute object per client, API and outcome (nothing allocated per answer)', () => {
    const seen: Attributes[] = []
    const fake = {
      getMeter: () => ({
        createCounter: () => ({
          add: (_: number, attributes: Attributes) => seen.push(attributes),
        }),
        createObservableGauge: () => ({ addCallback() {}, removeCallback() {} }),
      }),
    } as unknown as ApiMeterProvider
    const tokenMetrics = createTokenMetrics({
      meterProvider: fake,
      quota: { forEachBucket() {} },
      maxCachedAttributes: 3,
    })
    tokenMetrics.issued('a', 'urn:x')
    tokenMetrics.issued('a', 'urn:x')
    tokenMetrics.refused(undefined, undefined, 'access_denied')
    tokenMetrics.refused(undefined, undefined, 'access_denied')
    tokenMetrics.refused('a', 'urn:x', 'too_many_requests')
    tokenMetrics.refused('a', 'urn:x', 'too_many_requests')
    // The cache is full: still counted, with attributes made for the call.
    tokenMetrics.issued('b', 'urn:x')
    tokenMetrics.issued('b', 'urn:x')
    expect(seen[0]).toBe(seen[1])
    expect(seen[2]).toBe(seen[3])
    expect(seen[4]).toBe(seen[5])
    expect(seen[6]).not.toBe(seen[7])
    expect(seen[7]).toEqual({ client_id: 'b', audience: 'urn:x', outcome: 'issued' })
    expect(Object.isFrozen(seen[0])).toBe(true)
  })
})

describe('m2m.tenant.quota.remaining', () => {
  it('reports each bucket counted: client, organization and plan, by bucket and kind', async () => {
    const { provider, points } = sdk()
    const clock = testClock(Date.parse('2026-03-14T10:00:00Z'))
    const { app } = await buildQuotaServer({
      meterProvider: provider,
      clock,
      tenantPlan: 'free',
      editTenant: (tenant) => {
        const org = tenant.organizations.find((o) => o.id === 'org_acme')
        if (org) org.token_quota = { client_credentials: { enforce: false, per_day: 20 } }
      },
    })
    try {
      await requestToken(app, 'quota')
      await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
      await requestToken(app, 'gift-deliveries', { organization: 'org_acme' })
      expect((await points('m2m.tenant.quota.remaining')).sort(byAttributes)).toEqual(
        [
          { attributes: { client_id: 'quota', bucket: 'per_hour', kind: 'client' }, value: 2 },
          {
            attributes: { organization_id: 'org_acme', bucket: 'per_day', kind: 'organization' },
            value: 18,
          },
          { attributes: { bucket: 'monthly', kind: 'plan' }, value: 997 },
        ].sort(byAttributes),
      )
      clock.at = Date.parse('2026-03-14T11:00:00Z') // a new hour: the client's bucket is full again
      const later = await points('m2m.tenant.quota.remaining')
      expect(later.find((p) => p.attributes.kind === 'client')?.value).toBe(3)
    } finally {
      await app.close()
      await provider.shutdown()
    }
  })

  it('stops reporting when the app closes (its callback is removed)', async () => {
    const callbacks = new Set<unknown>()
    const fake = {
      getMeter: () => ({
        createCounter: () => ({ add() {} }),
        createObservableGauge: () => ({
          addCallback: (callback: unknown) => callbacks.add(callback),
          removeCallback: (callback: unknown) => callbacks.delete(callback),
        }),
      }),
    } as unknown as ApiMeterProvider
    const { app } = await buildQuotaServer({ meterProvider: fake })
    expect(callbacks.size).toBe(1)
    await app.close()
    expect(callbacks.size).toBe(0)
  })
})

describe('the meter provider', () => {
  it("is the global one of @opentelemetry/api when none is given, under '@m2m/auth-server'", async () => {
    const { provider, points } = sdk()
    metrics.setGlobalMeterProvider(provider)
    try {
      const tokenMetrics = createTokenMetrics({ quota: { forEachBucket() {} } })
      tokenMetrics.issued('a', 'urn:x')
      expect(await points('m2m.tenant.tokens.issued')).toEqual([
        { attributes: { client_id: 'a', audience: 'urn:x', outcome: 'issued' }, value: 1 },
      ])
      tokenMetrics.close()
    } finally {
      metrics.disable()
      await provider.shutdown()
    }
  })

  it("is the app's own telemetry when the app is given none: GET /metrics shows both", async () => {
    const { app } = await buildQuotaServer({ clock: testClock(0) })
    try {
      await requestToken(app, 'quota')
      const scraped = await app.inject({ method: 'GET', url: '/metrics' })
      expect(scraped.statusCode).toBe(200)
      expect(scraped.body).toMatch(
        /^m2m_tenant_tokens_issued\S*\{[^}]*client_id="quota"[^}]*\} 1$/m,
      )
      expect(scraped.body).toMatch(/^m2m_tenant_quota_remaining\S*\{[^}]*kind="client"[^}]*\} 2$/m)
    } finally {
      await app.close()
    }
  })
})

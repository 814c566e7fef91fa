import { describe, expect, it } from 'vitest'
import { createTokenQuota, type QuotaSubject } from '../src/oauth/token-quota.js'
import type { Client, Organization, TokenQuotaLimits } from '../src/tenant/model.js'

const client = (limits: TokenQuotaLimits): Client => ({
  client_id: 'app',
  name: 'app',
  app_type: 'non_interactive',
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_post',
  client_metadata: {},
  client_secret_hash: '',
  token_quota: { client_credentials: limits },
})

const organization: Organization = {
  id: 'org_1',
  name: 'org',
  display_name: 'Org',
  metadata: {},
  client_grant_ids: [],
  token_quota: { client_credentials: { enforce: true, per_day: 10 } },
}

function clockAt(iso: string) {
  const clock = { at: Date.parse(iso), now: () => clock.at }
  return clock
}

function issue(quota: ReturnType<typeof createTokenQuota>, subject: QuotaSubject, n: number) {
  for (let i = 0; i < n; i++) quota.reserve(subject).commit()
}

describe('token quota usage (what the dashboard reads)', () => {
  const subject: QuotaSubject = {
    client: client({ enforce: true, per_hour: 5, per_day: 20 }),
    organization,
    settings: {},
    countsForPlan: true,
  }

  it('reports each bucket used in its current window and when that window ends', () => {
    const clock = clockAt('2026-03-14T10:37:00.000Z')
    const quota = createTokenQuota({ now: clock.now, monthlyAllowance: 1000 })
    issue(quota, subject, 3)
    const at = clock.at
    expect(quota.usage('client', 'app', 'per_hour')).toEqual({
      used: 3,
      resetsAt: Date.parse('2026-03-14T11:00:00.000Z'),
      at,
    })
    expect(quota.usage('client', 'app', 'per_day').used).toBe(3)
    expect(quota.usage('organization', 'org_1', 'per_day')).toEqual({
      used: 3,
      resetsAt: Date.parse('2026-03-15T00:00:00.000Z'),
      at,
    })
    expect(quota.usage('plan', '', 'monthly')).toEqual({
      used: 3,
      resetsAt: Date.parse('2026-04-01T00:00:00.000Z'),
      at,
    })
    expect(quota.monthlyAllowance).toBe(1000)
  })

  it('reports 0 for a bucket never counted, one not configured, and one whose window ended', () => {
    const clock = clockAt('2026-03-14T10:59:00.000Z')
    const quota = createTokenQuota({ now: clock.now })
    expect(quota.usage('client', 'app', 'per_hour').used).toBe(0)
    issue(quota, subject, 2)
    expect(quota.usage('organization', 'org_1', 'per_hour').used).toBe(0)
    expect(quota.usage('plan', '', 'monthly').used).toBe(0)
    expect(quota.monthlyAllowance).toBeUndefined()
    clock.at = Date.parse('2026-03-14T11:00:00.000Z')
    expect(quota.usage('client', 'app', 'per_hour')).toMatchObject({
      used: 0,
      resetsAt: Date.parse('2026-03-14T12:00:00.000Z'),
    })
    expect(quota.usage('client', 'app', 'per_day').used).toBe(2)
  })

  it('only reads: the counts, the refusals and the gauge are as without it', () => {
    const clock = clockAt('2026-03-14T10:00:00.000Z')
    const quota = createTokenQuota({ now: clock.now })
    issue(quota, subject, 5)
    quota.usage('client', 'app', 'per_hour')
    quota.usage('client', 'app', 'per_day')
    expect(quota.reserve(subject).allowed).toBe(false)
    const remaining: Array<[string, string, number]> = []
    quota.forEachBucket((kind, _id, bucket, left) => remaining.push([kind, bucket, left]))
    expect(remaining).toEqual([
      ['client', 'per_hour', 0],
      ['client', 'per_day', 15],
      ['organization', 'per_day', 5],
    ])
  })
})

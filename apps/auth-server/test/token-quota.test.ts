import { parseQuotaHeader } from '@m2m/auth/token'
import { describe, expect, it } from 'vitest'
import { windowEnd, windowStart } from '../src/oauth/quota-windows.js'
import { createTokenQuota, type QuotaSubject } from '../src/oauth/token-quota.js'
import type { Client, Organization, TenantSettings, TokenQuotaLimits } from '../src/tenant/model.js'

const client = (limits?: TokenQuotaLimits, client_id = 'app'): Client => ({
  client_id,
  name: client_id,
  app_type: 'non_interactive',
  grant_types: ['client_credentials'],
  token_endpoint_auth_method: 'client_secret_post',
  client_metadata: {},
  client_secret_hash: '',
  ...(limits ? { token_quota: { client_credentials: limits } } : {}),
})

const organization = (limits?: TokenQuotaLimits, id = 'org_1'): Organization => ({
  id,
  name: id,
  display_name: id,
  metadata: {},
  client_grant_ids: [],
  ...(limits ? { token_quota: { client_credentials: limits } } : {}),
})

function subject(parts: Partial<QuotaSubject> & { client: Client }): QuotaSubject {
  return { settings: {}, countsForPlan: true, ...parts }
}

/** A clock at `iso`, moved by the test. */
function clockAt(iso: string) {
  const clock = { at: Date.parse(iso), now: () => clock.at }
  return clock
}

/** Takes `n` tokens and commits them (issued). */
function issue(quota: ReturnType<typeof createTokenQuota>, s: QuotaSubject, n: number) {
  for (let i = 0; i < n; i++) {
    const r = quota.reserve(s)
    expect(r.allowed).toBe(true)
    r.commit()
  }
}

describe('quota windows (UTC, as Auth0 resets them)', () => {
  const cases: Array<[string, 'per_hour' | 'per_day' | 'monthly', string, string]> = [
    ['an hour', 'per_hour', '2026-03-14T10:59:59.999Z', '2026-03-14T10:00:00.000Z'],
    ['a day', 'per_day', '2026-03-14T23:59:59.999Z', '2026-03-14T00:00:00.000Z'],
    ['a 31-day month', 'monthly', '2026-01-31T23:59:59.999Z', '2026-01-01T00:00:00.000Z'],
    ['February of a leap year', 'monthly', '2028-02-29T12:00:00.000Z', '2028-02-01T00:00:00.000Z'],
    ['December', 'monthly', '2026-12-31T23:00:00.000Z', '2026-12-01T00:00:00.000Z'],
  ]
  const ends: Record<string, string> = {
    'an hour': '2026-03-14T11:00:00.000Z',
    'a day': '2026-03-15T00:00:00.000Z',
    'a 31-day month': '2026-02-01T00:00:00.000Z',
    'February of a leap year': '2028-03-01T00:00:00.000Z',
    December: '2027-01-01T00:00:00.000Z',
  }
  for (const [name, bucket, at, start] of cases) {
    it(`${name}: ${bucket} window of ${at}`, () => {
      const begun = windowStart(bucket, Date.parse(at))
      expect(new Date(begun).toISOString()).toBe(start)
      expect(new Date(windowEnd(bucket, begun)).toISOString()).toBe(ends[name])
    })
  }
})

describe('Auth0 quota headers', () => {
  it("matches the brief's example: b=per_hour;q=10;r=7;t=3540,b=per_day;q=100;r=97;t=50340", () => {
    const clock = clockAt('2026-03-14T10:00:00Z')
    const quota = createTokenQuota({ now: clock.now })
    const s = subject({ client: client({ enforce: true, per_hour: 10, per_day: 100 }) })
    issue(quota, s, 2)
    clock.at = Date.parse('2026-03-14T10:01:00Z')
    const third = quota.reserve(s)
    expect(third.headers).toEqual({
      'auth0-client-quota-limit': 'b=per_hour;q=10;r=7;t=3540,b=per_day;q=100;r=97;t=50340',
    })
    // What @m2m/auth/token (and node-auth0's HttpResponseHeadersUtils) read from it.
    expect(parseQuotaHeader(third.headers['auth0-client-quota-limit'], 'client', clock.at)).toEqual(
      [
        {
          scope: 'client',
          bucket: 'per_hour',
          limit: 10,
          remaining: 7,
          resetAt: clock.at + 3_540_000,
        },
        {
          scope: 'client',
          bucket: 'per_day',
          limit: 100,
          remaining: 97,
          resetAt: clock.at + 50_340_000,
        },
      ],
    )
  })

  // Auth0's documentation ("Auth0 quota headers"): the two halves of its example at the
  // times they describe (its per_hour and per_day parts are not of the same instant).
  it("matches Auth0's documented buckets for a client and an organization", () => {
    const clock = clockAt('2026-03-14T12:00:00Z')
    const quota = createTokenQuota({ now: clock.now })
    const s = subject({
      client: client({ enforce: true, per_hour: 10, per_day: 50 }),
      organization: organization({ enforce: true, per_hour: 50, per_day: 250 }),
    })
    issue(quota, s, 2)
    const third = quota.reserve(s)
    expect(third.headers['auth0-client-quota-limit']).toBe(
      'b=per_hour;q=10;r=7;t=3600,b=per_day;q=50;r=47;t=43200',
    )
    expect(third.headers['auth0-organization-quota-limit']).toBe(
      'b=per_hour;q=50;r=47;t=3600,b=per_day;q=250;r=247;t=43200',
    )
    clock.at = Date.parse('2026-03-14T12:01:00Z')
    expect(quota.reserve(s).headers['auth0-client-quota-limit']).toMatch(
      /^b=per_hour;q=10;r=6;t=3540,/,
    )
  })

  it('sends only the headers of the quotas that apply, none without any', () => {
    const quota = createTokenQuota({ now: () => 0 })
    expect(quota.reserve(subject({ client: client() })).headers).toEqual({})
    expect(
      quota.reserve(
        subject({ client: client(), organization: organization({ enforce: true, per_day: 5 }) }),
      ).headers,
    ).toEqual({ 'auth0-organization-quota-limit': 'b=per_day;q=5;r=4;t=86400' })
  })

  it('takes no allocation for a request without any quota (the shared answer)', () => {
    const quota = createTokenQuota({ now: () => 0 })
    const first = quota.reserve(subject({ client: client() }))
    const second = quota.reserve(subject({ client: client(undefined, 'other') }))
    expect(first).toBe(second)
    expect(first.commit()).toEqual([])
  })
})

describe('which quota applies (Auth0: own quota, else the tenant default)', () => {
  const defaults: TenantSettings = {
    default_token_quota: {
      clients: { client_credentials: { enforce: true, per_hour: 2 } },
      organizations: { client_credentials: { enforce: true, per_day: 3 } },
    },
  }

  it("a client's own quota overrides the tenant default for clients", () => {
    const quota = createTokenQuota({ now: () => 0 })
    const own = quota.reserve(
      subject({ client: client({ enforce: true, per_day: 9 }), settings: defaults }),
    )
    expect(own.headers).toEqual({ 'auth0-client-quota-limit': 'b=per_day;q=9;r=8;t=86400' })
    const defaulted = quota.reserve(subject({ client: client(undefined, 'b'), settings: defaults }))
    expect(defaulted.headers).toEqual({ 'auth0-client-quota-limit': 'b=per_hour;q=2;r=1;t=3600' })
  })

  it("an organization's own quota overrides the default for organizations, which applies only with an organization", () => {
    const quota = createTokenQuota({ now: () => 0 })
    const without = quota.reserve(
      subject({ client: client({ enforce: true, per_hour: 5 }), settings: defaults }),
    )
    expect(without.headers['auth0-organization-quota-limit']).toBeUndefined()
    const defaulted = quota.reserve(
      subject({
        client: client({ enforce: true, per_hour: 5 }),
        organization: organization(),
        settings: defaults,
      }),
    )
    expect(defaulted.headers['auth0-organization-quota-limit']).toBe('b=per_day;q=3;r=2;t=86400')
    const own = quota.reserve(
      subject({
        client: client({ enforce: true, per_hour: 5 }),
        organization: organization({ enforce: true, per_hour: 7 }, 'org_2'),
        settings: defaults,
      }),
    )
    expect(own.headers['auth0-organization-quota-limit']).toBe('b=per_hour;q=7;r=6;t=3600')
  })

  it('counts each organization in its own bucket, whichever client asks', () => {
    const quota = createTokenQuota({ now: () => 0 })
    const org = organization({ enforce: true, per_hour: 2 })
    issue(quota, subject({ client: client(undefined, 'a'), organization: org }), 1)
    issue(quota, subject({ client: client(undefined, 'b'), organization: org }), 1)
    const third = quota.reserve(subject({ client: client(undefined, 'c'), organization: org }))
    expect(third.allowed).toBe(false)
    expect(third.refusal?.kind).toBe('organization')
    const otherOrg = quota.reserve(
      subject({
        client: client(undefined, 'c'),
        organization: organization({ enforce: true, per_hour: 2 }, 'org_2'),
      }),
    )
    expect(otherOrg.allowed).toBe(true)
  })
})

describe('enforce', () => {
  it('true: refuses once a bucket is empty, naming the bucket that refills last', () => {
    const clock = clockAt('2026-03-14T22:30:00Z')
    const quota = createTokenQuota({ now: clock.now })
    const s = subject({ client: client({ enforce: true, per_hour: 5, per_day: 5 }) })
    issue(quota, s, 5)
    const refused = quota.reserve(s)
    expect(refused.allowed).toBe(false)
    // Both are empty: the day's refills last, so that is when a request will succeed.
    expect(refused.refusal).toEqual({
      kind: 'client',
      bucket: 'per_day',
      limit: 5,
      retryAfter: 5_400,
      reset: Date.parse('2026-03-15T00:00:00Z') / 1000,
    })
    expect(refused.headers['auth0-client-quota-limit']).toBe(
      'b=per_hour;q=5;r=0;t=1800,b=per_day;q=5;r=0;t=5400',
    )
  })

  it('false: counts, reports and warns, never refuses', () => {
    const quota = createTokenQuota({ now: () => 0 })
    const s = subject({ client: client({ enforce: false, per_hour: 2 }) })
    const answers = Array.from({ length: 4 }, () => quota.reserve(s))
    expect(answers.every((r) => r.allowed)).toBe(true)
    expect(answers.map((r) => r.headers['auth0-client-quota-limit'])).toEqual([
      'b=per_hour;q=2;r=1;t=3600',
      'b=per_hour;q=2;r=0;t=3600',
      'b=per_hour;q=2;r=0;t=3600',
      'b=per_hour;q=2;r=0;t=3600',
    ])
    const warned = answers.flatMap((r) => r.commit().map((w) => w.percentage))
    expect(warned).toEqual([60, 80, 100])
  })

  it('an unenforced quota beside an enforced one: only the enforced one refuses', () => {
    const quota = createTokenQuota({ now: () => 0 })
    const s = subject({
      client: client({ enforce: false, per_hour: 1 }),
      organization: organization({ enforce: true, per_hour: 2 }),
    })
    issue(quota, s, 2)
    const refused = quota.reserve(s)
    expect(refused.refusal?.kind).toBe('organization')
    expect(refused.headers).toEqual({
      'auth0-client-quota-limit': 'b=per_hour;q=1;r=0;t=3600',
      'auth0-organization-quota-limit': 'b=per_hour;q=2;r=0;t=3600',
    })
  })

  it('takes from every bucket or from none: a refusal by the organization spends nothing of the client', () => {
    const quota = createTokenQuota({ now: () => 0 })
    const org = organization({ enforce: true, per_hour: 1 })
    const app = client({ enforce: true, per_hour: 3 })
    issue(quota, subject({ client: app, organization: org }), 1)
    expect(quota.reserve(subject({ client: app, organization: org })).allowed).toBe(false)
    expect(quota.reserve(subject({ client: app })).headers['auth0-client-quota-limit']).toBe(
      'b=per_hour;q=3;r=1;t=3600',
    )
  })
})

describe('reservations', () => {
  it('release gives the token back, once', () => {
    const quota = createTokenQuota({ now: () => 0 })
    const s = subject({ client: client({ enforce: true, per_hour: 1 }) })
    const first = quota.reserve(s)
    expect(quota.reserve(s).allowed).toBe(false)
    first.release()
    first.release()
    const again = quota.reserve(s)
    expect(again.allowed).toBe(true)
    expect(quota.reserve(s).allowed).toBe(false)
  })

  it('a token taken in an hour that has ended is not given to the next hour', () => {
    const clock = clockAt('2026-03-14T10:59:59Z')
    const quota = createTokenQuota({ now: clock.now })
    const s = subject({ client: client({ enforce: true, per_hour: 1 }) })
    const late = quota.reserve(s)
    clock.at = Date.parse('2026-03-14T11:00:00Z')
    const next = quota.reserve(s)
    expect(next.allowed).toBe(true)
    late.release()
    expect(quota.reserve(s).allowed).toBe(false)
  })

  it('200 reservations against per_hour 50: exactly 50 granted', () => {
    const quota = createTokenQuota({ now: () => 0 })
    const s = subject({
      client: client({ enforce: true, per_hour: 50 }),
      organization: organization({ enforce: true, per_day: 80 }),
    })
    const granted = Array.from({ length: 200 }, () => quota.reserve(s)).filter((r) => r.allowed)
    expect(granted).toHaveLength(50)
  })
})

describe('window resets (injected clock)', () => {
  it('per_hour starts afresh at the next UTC hour, per_day at the next UTC day', () => {
    const clock = clockAt('2026-03-14T23:10:00Z')
    const quota = createTokenQuota({ now: clock.now })
    const s = subject({ client: client({ enforce: true, per_hour: 1, per_day: 2 }) })
    issue(quota, s, 1)
    expect(quota.reserve(s).refusal?.bucket).toBe('per_hour')
    clock.at = Date.parse('2026-03-14T23:59:59Z')
    expect(quota.reserve(s).refusal?.retryAfter).toBe(1)
    clock.at = Date.parse('2026-03-15T00:00:00Z')
    issue(quota, s, 1) // a new hour and a new day
    clock.at = Date.parse('2026-03-15T01:00:00Z')
    issue(quota, s, 1)
    clock.at = Date.parse('2026-03-15T02:00:00Z')
    const refused = quota.reserve(s)
    expect(refused.refusal).toMatchObject({ bucket: 'per_day', retryAfter: 22 * 3600 })
  })

  it('the monthly allowance starts afresh on the first of the UTC month', () => {
    const clock = clockAt('2026-01-31T23:59:00Z')
    const quota = createTokenQuota({ now: clock.now, monthlyAllowance: 2 })
    const s = subject({ client: client() })
    issue(quota, s, 2)
    const refused = quota.reserve(s)
    expect(refused.refusal).toEqual({
      kind: 'plan',
      bucket: 'monthly',
      limit: 2,
      retryAfter: 60,
      reset: Date.parse('2026-02-01T00:00:00Z') / 1000,
    })
    expect(refused.headers).toEqual({}) // Auth0 sends no header for the plan
    clock.at = Date.parse('2026-02-01T00:00:00Z')
    expect(quota.reserve(s).allowed).toBe(true)
  })

  it('the plan counts only tokens that count for it (not the Management API)', () => {
    const quota = createTokenQuota({ now: () => 0, monthlyAllowance: 1 })
    issue(quota, subject({ client: client(), countsForPlan: false }), 5)
    issue(quota, subject({ client: client() }), 1)
    expect(quota.reserve(subject({ client: client() })).allowed).toBe(false)
  })
})

describe('consumption warnings', () => {
  it('at 60, 80 and 100 % of each bucket, once per window, with Auth0 details', () => {
    const clock = clockAt('2026-03-14T10:00:00Z')
    const quota = createTokenQuota({ now: clock.now })
    const s = subject({ client: client({ enforce: true, per_hour: 5, per_day: 10 }) })
    const warnings = Array.from({ length: 5 }, () => quota.reserve(s).commit())
    expect(warnings.map((list) => list.map((w) => `${w.bucket}:${w.percentage}`))).toEqual([
      [],
      [],
      ['per_hour:60'],
      ['per_hour:80'],
      ['per_hour:100'],
    ])
    expect(warnings[2]?.[0]).toEqual({
      kind: 'client',
      id: 'app',
      bucket: 'per_hour',
      quota: 5,
      percentage: 60,
      consumption: 3,
    })
    clock.at = Date.parse('2026-03-14T11:00:00Z')
    const nextHour = Array.from({ length: 5 }, () => quota.reserve(s).commit()).flat()
    // The day holds 5 already (50 %): this hour's tokens take it to 60, 80 and 100 % too.
    expect(nextHour.map((w) => `${w.bucket}:${w.percentage}`)).toEqual([
      'per_day:60',
      'per_hour:60',
      'per_day:80',
      'per_hour:80',
      'per_hour:100',
      'per_day:100',
    ])
  })

  it('a released token warns of nothing, and a threshold is not logged twice after a release', () => {
    const quota = createTokenQuota({ now: () => 0 })
    const s = subject({ client: client({ enforce: true, per_hour: 1 }) })
    const failed = quota.reserve(s)
    failed.release()
    expect(failed.commit()).toEqual([])
    const issued = quota.reserve(s)
    expect(issued.commit().map((w) => w.percentage)).toEqual([60, 80, 100])
  })

  it('the plan warns at 80 and 100 %', () => {
    const quota = createTokenQuota({ now: () => 0, monthlyAllowance: 10 })
    const s = subject({ client: client() })
    const warned = Array.from({ length: 10 }, () => quota.reserve(s).commit()).flat()
    expect(warned.map((w) => [w.kind, w.bucket, w.percentage, w.consumption])).toEqual([
      ['plan', 'monthly', 80, 8],
      ['plan', 'monthly', 100, 10],
    ])
  })
})

describe('forEachBucket (the remaining-tokens gauge)', () => {
  it('reports what is left of each bucket now, a full quota once its window ended', () => {
    const clock = clockAt('2026-03-14T10:00:00Z')
    const quota = createTokenQuota({ now: clock.now, monthlyAllowance: 1000 })
    issue(
      quota,
      subject({
        client: client({ enforce: true, per_hour: 5, per_day: 50 }),
        organization: organization({ enforce: false, per_hour: 20 }),
      }),
      3,
    )
    const seen = () => {
      const out: string[] = []
      quota.forEachBucket((kind, id, bucket, left) => out.push(`${kind}:${id}:${bucket}=${left}`))
      return out
    }
    expect(seen()).toEqual([
      'client:app:per_hour=2',
      'client:app:per_day=47',
      'organization:org_1:per_hour=17',
      'plan:tenant:monthly=997',
    ])
    clock.at = Date.parse('2026-03-14T11:00:00Z')
    expect(seen()).toEqual([
      'client:app:per_hour=5',
      'client:app:per_day=47',
      'organization:org_1:per_hour=20',
      'plan:tenant:monthly=997',
    ])
  })
})

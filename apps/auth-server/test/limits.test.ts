import { parseQuotaHeader } from '@m2m/auth/token'
import { describe, expect, it } from 'vitest'
import { buildTestServer, tokenRequest } from './helpers/test-server.js'

describe('per-client rate limit on /oauth/token', () => {
  it('answers X-RateLimit-* on every answer and 429 with Retry-After beyond the burst', async () => {
    let clock = Date.UTC(2026, 0, 1)
    const { app } = await buildTestServer({
      rateLimit: { perSecond: 30, burst: 30 },
      now: () => clock,
    })
    const answers = []
    for (let i = 0; i < 31; i++) answers.push(await tokenRequest(app, 'limited'))
    expect(answers.slice(0, 30).every((r) => r.statusCode === 200)).toBe(true)
    expect(answers[0]?.headers['x-ratelimit-limit']).toBe('30')
    expect(answers[0]?.headers['x-ratelimit-remaining']).toBe('29')
    expect(answers[29]?.headers['x-ratelimit-remaining']).toBe('0')
    const refused = answers[30]
    expect(refused?.statusCode).toBe(429)
    expect(refused?.json()).toEqual({
      error: 'too_many_requests',
      error_description: 'Too many requests',
    })
    expect(refused?.headers['retry-after']).toBe('1')
    expect(refused?.headers['x-ratelimit-remaining']).toBe('0')
    expect(Number(refused?.headers['x-ratelimit-reset'])).toBe(Math.ceil(clock / 1000 + 1))

    // another client has its own bucket
    expect((await tokenRequest(app, 'gift-deliveries')).statusCode).toBe(200)
    // refilled at 30/s
    clock += 1000
    expect((await tokenRequest(app, 'limited')).statusCode).toBe(200)
    await app.close()
  })

  it('cannot be exhausted by someone who only knows the client id', async () => {
    const { app } = await buildTestServer({ rateLimit: { perSecond: 30, burst: 30 } })
    for (let i = 0; i < 40; i++) {
      expect((await tokenRequest(app, 'limited', { client_secret: 'guess' })).statusCode).toBe(401)
    }
    expect((await tokenRequest(app, 'limited')).statusCode).toBe(200)
    await app.close()
  })
})

describe('per-IP limit on /oauth/token', () => {
  it('puts X-RateLimit-* on every answer before authentication, and 429s floods', async () => {
    const { app } = await buildTestServer({ ipRateLimit: { perSecond: 5, burst: 5 }, now: () => 0 })
    const early = [
      await tokenRequest(app, 'gift-deliveries', { grant_type: undefined }),
      await tokenRequest(app, 'gift-deliveries', { scope: ['x'] }),
      await tokenRequest(app, 'gift-deliveries', { client_secret: 'wrong' }),
      await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/json' },
        payload: '{"grant_type":',
      }),
      await app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ pad: 'x'.repeat(20_000) }),
      }),
    ]
    expect(early.map((r) => r.statusCode)).toEqual([400, 400, 401, 400, 413])
    expect(early.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0'])
    for (const answer of early) expect(answer.headers['x-ratelimit-limit']).toBe('5')
    const flooded = await tokenRequest(app, 'gift-deliveries')
    expect(flooded.statusCode).toBe(429)
    expect(flooded.json()).toEqual({
      error: 'too_many_requests',
      error_description: 'Too many requests',
    })
    expect(flooded.headers['retry-after']).toBe('1')
    await app.close()
  })
})

describe('per-client token quota', () => {
  it('reports every bucket of the quota, comma-separated, as Auth0 does', async () => {
    let clock = Date.UTC(2026, 0, 1, 10, 0, 0)
    const { app } = await buildTestServer({
      now: () => clock,
      editTenant: (tenant) => {
        const quota = tenant.clients.find((c) => c.client_id === 'quota')
        if (quota) {
          quota.token_quota = { client_credentials: { enforce: true, per_hour: 3, per_day: 4 } }
        }
      },
    })
    const first = await tokenRequest(app, 'quota')
    expect(first.headers['auth0-client-quota-limit']).toBe(
      'b=per_hour;q=3;r=2;t=3600,b=per_day;q=4;r=3;t=50400',
    )
    // What @m2m/auth/token reads from it.
    expect(
      parseQuotaHeader(String(first.headers['auth0-client-quota-limit']), 'client', clock),
    ).toEqual([
      { scope: 'client', bucket: 'per_hour', limit: 3, remaining: 2, resetAt: clock + 3_600_000 },
      { scope: 'client', bucket: 'per_day', limit: 4, remaining: 3, resetAt: clock + 50_400_000 },
    ])
    await tokenRequest(app, 'quota')
    await tokenRequest(app, 'quota')
    clock += 3_600_000 // a new hour: the day bucket has one token left
    await tokenRequest(app, 'quota')
    const refused = await tokenRequest(app, 'quota')
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['auth0-client-quota-limit']).toBe(
      'b=per_hour;q=3;r=2;t=3600,b=per_day;q=4;r=0;t=46800',
    )
    await app.close()
  })

  it('sends Auth0-Client-Quota-Limit and refuses with 429 Client quota exceeded when spent', async () => {
    let clock = Date.UTC(2026, 0, 1, 10, 0, 0)
    const { app } = await buildTestServer({ now: () => clock })
    const first = await tokenRequest(app, 'quota')
    expect(first.statusCode).toBe(200)
    expect(first.headers['auth0-client-quota-limit']).toBe('b=per_hour;q=3;r=2;t=3600')
    await tokenRequest(app, 'quota')
    clock += 60_000
    const third = await tokenRequest(app, 'quota')
    expect(third.headers['auth0-client-quota-limit']).toBe('b=per_hour;q=3;r=0;t=3540')
    const refused = await tokenRequest(app, 'quota')
    expect(refused.statusCode).toBe(429)
    expect(refused.json()).toEqual({
      error: 'too_many_requests',
      error_description: 'Client quota exceeded',
    })
    expect(refused.headers['auth0-client-quota-limit']).toBe('b=per_hour;q=3;r=0;t=3540')
    expect(refused.headers['retry-after']).toBe('3540')
    expect(refused.headers['x-ratelimit-limit']).toBeDefined()
    // a failed exchange does not spend quota, and the next hour starts afresh
    clock += 3_540_000
    expect((await tokenRequest(app, 'quota')).statusCode).toBe(200)
    await app.close()
  })
})

describe('quota under concurrency', () => {
  it('issues exactly the quota to 20 concurrent requests', async () => {
    const { app } = await buildTestServer()
    const answers = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(app, 'quota')))
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(3)
    expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(17)
    await app.close()
  })
})

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
    // errors count and carry the headers too
    const wrong = await tokenRequest(app, 'gift-deliveries', { client_secret: 'wrong' })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.headers['x-ratelimit-limit']).toBe('30')
    await app.close()
  })
})

describe('per-client token quota', () => {
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

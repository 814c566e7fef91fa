import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { MANAGEMENT_API_FREE_RATE_LIMIT } from '../src/management/management-api.js'
import { buildTestServer, tokenRequest } from './helpers/test-server.js'
import { MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

/**
 * Auth0 limits its Management API per tenant (Free plan: 2 requests per
 * second) and sends `x-ratelimit-limit`, `-remaining` and `-reset` on every
 * answer; past the limit, 429 `too_many_requests` ("Rate Limit Policy" and
 * "Management API Endpoint Rate Limits" in Auth0's docs).
 */

describe('the Management API rate limit', () => {
  it("defaults to Auth0 Free's figure, and reads its env variables", () => {
    expect(MANAGEMENT_API_FREE_RATE_LIMIT).toEqual({ perSecond: 2, burst: 10 })
    expect(loadConfig({}).managementRateLimit).toEqual({ perSecond: 2, burst: 10 })
    expect(
      loadConfig({
        MANAGEMENT_API_RATE_LIMIT_PER_SECOND: '50',
        MANAGEMENT_API_RATE_LIMIT_BURST: '100',
      }).managementRateLimit,
    ).toEqual({ perSecond: 50, burst: 100 })
    expect(() => loadConfig({ MANAGEMENT_API_RATE_LIMIT_BURST: '0' })).toThrow(
      /MANAGEMENT_API_RATE_LIMIT_BURST/,
    )
  })

  it('counts every request of the tenant, answers 429 past it, and refills', async () => {
    let now = Date.parse('2026-12-04T12:00:00Z')
    const server = await buildTestServer({
      managementRateLimit: { perSecond: 1, burst: 3 },
      now: () => now,
    })
    try {
      const token = (
        await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })
      ).json().access_token
      const get = (authorization?: string) =>
        server.app.inject({
          url: '/api/v2/users',
          headers: authorization ? { authorization: `Bearer ${authorization}` } : {},
        })
      const answers = [await get(token), await get(), await get(token)]
      expect(answers.map((a) => a.statusCode)).toEqual([200, 401, 200])
      expect(answers.map((a) => a.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0'])
      expect(answers[0]?.headers['x-ratelimit-limit']).toBe('3')
      expect(Number(answers[0]?.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(now / 1000)

      const refused = await get(token)
      expect(refused.statusCode).toBe(429)
      expect(refused.json()).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Global limit has been reached',
        errorCode: 'too_many_requests',
      })
      expect(refused.headers['retry-after']).toBe('1')
      expect(refused.headers['x-ratelimit-remaining']).toBe('0')

      now += 1000
      expect((await get(token)).statusCode).toBe(200)
      // The token endpoint is limited apart.
      expect(
        (await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })).statusCode,
      ).toBe(200)
    } finally {
      await server.app.close()
    }
  })
})

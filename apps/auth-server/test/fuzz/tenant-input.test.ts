import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TOKEN_REQUEST_PARAMETERS } from '../../src/routes/oauth-token.js'
import { buildTestServer, tokenRequest } from '../helpers/test-server.js'
import { MANAGEMENT_AUDIENCE } from '../helpers/test-tenant.js'

// Property-based: whatever the body, POST /oauth/token and the Management API
// answer a 2xx or a 4xx whose description names the parameter at fault,
// never a 5xx, and leave no promise rejected. Each /oauth/token attempt pays
// scrypt (~40 ms), hence the modest run counts.

let server: Awaited<ReturnType<typeof buildTestServer>>
let admin: string
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  server = await buildTestServer()
  admin = (await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })).json()
    .access_token
})

afterAll(async () => {
  await server?.app.close()
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

const PARAMETERS = TOKEN_REQUEST_PARAMETERS

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('client_credentials', 'gift-deliveries', 'urn:worldmappers', 'acme', '', ' '),
)

/** The statuses /oauth/token may answer, and a description naming what is wrong. */
function expectOAuthAnswer(res: { statusCode: number; body: string }) {
  expect(res.statusCode, res.body).toBeLessThan(500)
  if (res.statusCode >= 400) {
    const body = JSON.parse(res.body) as { error?: unknown; error_description?: unknown }
    expect(typeof body.error, res.body).toBe('string')
    expect(typeof body.error_description, res.body).toBe('string')
  }
}

describe('POST /oauth/token', () => {
  it('answers any JSON parameters without a 5xx; a parameter of the wrong type is named', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...PARAMETERS), value, { maxKeys: 6 }),
        async (params) => {
          const res = await server.app.inject({
            method: 'POST',
            url: '/oauth/token',
            payload: params,
          })
          expectOAuthAnswer(res)
          const wrongType = Object.entries(params).find(([, v]) => typeof v !== 'string')
          if (wrongType) {
            expect(res.statusCode).toBe(400)
            expect(res.json().error_description).toContain(wrongType[0])
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('answers any form body without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 120 }), async (raw) => {
        const res = await server.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: raw,
        })
        expectOAuthAnswer(res)
      }),
      { numRuns: 40 },
    )
  })

  it('answers any raw text sent as JSON without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 60 })),
        async (raw) => {
          const res = await server.app.inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/json' },
            payload: raw,
          })
          expectOAuthAnswer(res)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('answers any Basic credentials without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (raw) => {
        const res = await server.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { authorization: `Basic ${Buffer.from(raw).toString('base64')}` },
          payload: { grant_type: 'client_credentials', audience: 'urn:worldmappers' },
        })
        expectOAuthAnswer(res)
      }),
      { numRuns: 30 },
    )
  })
})

describe('Management API', () => {
  it('answers any POST /api/v2/clients body without a 5xx, naming the field', async () => {
    const field = fc.constantFrom(
      'name',
      'description',
      'app_type',
      'grant_types',
      'client_metadata',
      'is_first_party',
      'x',
    )
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(field, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        async (body) => {
          const res = await server.app.inject({
            method: 'POST',
            url: '/api/v2/clients',
            headers: { authorization: `Bearer ${admin}` },
            payload: body,
          })
          expect(res.statusCode, res.body).toBeLessThan(500)
          if (res.statusCode >= 400) {
            const message = String(res.json().message)
            expect(message, res.body).toMatch(
              /body|name|description|app_type|grant_types|client_metadata|is_first_party|"x"/,
            )
          }
        },
      ),
      { numRuns: 80 },
    )
  })

  it('answers any PATCH /api/v2/client-grants/:id body and id without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
        fc.dictionary(
          fc.constantFrom('scope', 'organization_usage', 'allow_any_organization', 'y'),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        async (id, body) => {
          const res = await server.app.inject({
            method: 'PATCH',
            url: `/api/v2/client-grants/${encodeURIComponent(id)}`,
            headers: { authorization: `Bearer ${admin}` },
            payload: body,
          })
          expect(res.statusCode, res.body).toBeLessThan(500)
        },
      ),
      { numRuns: 80 },
    )
  })

  it('answers any GET /api/v2/logs query without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('page', 'per_page', 'include_totals', 'q', 'from', 'take', 'sort', 'z'),
          fc.string({ maxLength: 12 }),
        ),
        async (query) => {
          const res = await server.app.inject({
            url: `/api/v2/logs?${new URLSearchParams(query)}`,
            headers: { authorization: `Bearer ${admin}` },
          })
          expect(res.statusCode, res.body).toBeLessThan(500)
        },
      ),
      { numRuns: 80 },
    )
  })
})

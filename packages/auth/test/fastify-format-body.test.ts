import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import m2mAuth, { type AuthRefusal } from '../src/fastify/index.js'
import { createTestIssuer, type TestIssuer } from './helpers/fake-verifier.js'

/**
 * `formatBody` shapes the plugin's refusals for APIs whose clients expect
 * another error format (the local tenant gives its Management API Auth0's
 * `{statusCode, error, message, errorCode}`); status codes and
 * `WWW-Authenticate` stay RFC 6750's.
 */

let issuer: TestIssuer
let app: FastifyInstance
const seen: AuthRefusal[] = []

beforeAll(async () => {
  issuer = createTestIssuer()
  app = Fastify()
  await app.register(m2mAuth, {
    verifier: issuer.verifier(),
    realm: 'api',
    formatBody: (refusal) => {
      seen.push(refusal)
      return {
        statusCode: refusal.statusCode,
        message: refusal.error_description,
        kind: refusal.error,
      }
    },
  })
  app.get('/all', { config: { scopes: ['a:read', 'b:read'] } }, async () => ({ ok: true }))
  app.get('/any', { config: { scopes: { anyOf: ['a:read', 'b:read'] } } }, async () => ({
    ok: true,
  }))
})
afterAll(async () => {
  await app.close()
})

const get = (url: string, token?: string) =>
  app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} })

describe('formatBody', () => {
  it('shapes a 401 without credentials and keeps the challenge', async () => {
    const res = await get('/all')
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(res.json()).toEqual({
      statusCode: 401,
      message: 'An Authorization header with a Bearer token is required',
      kind: 'unauthorized',
    })
  })

  it('shapes a 401 for a bad token, never quoting it', async () => {
    const token = `${issuer.sign()}x`
    const res = await get('/all', token)
    expect(res.statusCode).toBe(401)
    expect(res.json().kind).toBe('invalid_token')
    expect(res.body).not.toContain(token)
  })

  it('gives a 403 the route rule: all of, or any of', async () => {
    const token = issuer.sign({ scope: 'c:read' })
    const all = await get('/all', token)
    expect(all.statusCode).toBe(403)
    expect(all.headers['www-authenticate']).toContain('error="insufficient_scope"')
    expect(seen.at(-1)?.rule).toEqual({ match: 'all', scopes: ['a:read', 'b:read'] })
    await get('/any', token)
    expect(seen.at(-1)?.rule).toEqual({ match: 'any', scopes: ['a:read', 'b:read'] })
    expect((await get('/any', issuer.sign({ scope: 'b:read' }))).statusCode).toBe(200)
  })

  it('must be a function', async () => {
    const other = Fastify()
    await expect(
      other.register(m2mAuth, { verifier: issuer.verifier(), formatBody: 'auth0' as never }),
    ).rejects.toThrow('formatBody must be a function')
    await other.close()
  })
})

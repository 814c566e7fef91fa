// The README's node:test example, run by test/testing-helper.test.ts with
// `node --import tsx --conditions=@m2m/source --test` (a project of yours runs
// it on the built package: `node --test`).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type LocalTenant, startLocalTenant } from '@m2m/auth-server/testing'

describe('my service, against a local tenant', () => {
  let tenant: LocalTenant
  before(async () => {
    tenant = await startLocalTenant({
      tenant: {
        resourceServers: [
          { name: 'My API', identifier: 'urn:my-api', scopes: [{ value: 'read:things' }] },
        ],
        clients: [{ name: 'My Worker', app_type: 'non_interactive' }],
        clientGrants: [{ client_id: 'My Worker', audience: 'urn:my-api', scope: ['read:things'] }],
      },
    })
  })
  after(() => tenant.close())

  it('gets a token with the client credentials the tenant generated', async () => {
    const response = await fetch(tenant.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: tenant.clientId('My Worker'),
        client_secret: tenant.clientSecret('My Worker'),
        audience: 'urn:my-api',
      }),
    })
    assert.equal(response.status, 200)
    const { access_token } = (await response.json()) as { access_token: string }
    const claims = JSON.parse(Buffer.from(access_token.split('.')[1] ?? '', 'base64url').toString())
    assert.equal(claims.iss, tenant.issuer)
    assert.equal(claims.scope, 'read:things')
  })

  it('tokenFor() is the short way', async () => {
    const token = await tenant.tokenFor('My Worker', 'urn:my-api')
    assert.match(token, /^eyJ/)
  })

  it('mgmt() reads the Management API', async () => {
    const { status, body } = await tenant.mgmt().request<Array<{ name: string }>>('GET', 'clients')
    assert.equal(status, 200)
    assert.deepEqual(
      body.map((client) => client.name),
      ['My Worker'],
    )
  })
})

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalTenant, startLocalTenant } from '../src/testing/index.js'

// A tenant of the size a real one reaches: 10,000 clients (a Deploy CLI export
// holds no secrets, so the tenant generates them), a grant each and 2,000
// organizations. Before, every start hashed each generated secret with scrypt
// (268 s here) and every token request scanned the clients and grants (3.6 ms
// a token, `pnpm --filter @m2m/bench tenant-scale`): the suite's timeouts held neither.

const CLIENTS = 10_000
const GIVEN = 10 // the last ten clients have secrets in the file: those are hashed with scrypt
const ORGANIZATIONS = 2_000
const AUDIENCE = 'urn:volume'
/** No file grant names it: the Management API grants it, and that grant must outlive a restart. */
const SECOND_AUDIENCE = 'urn:volume-2'
const name = (i: number) => `client-${i}`
const givenSecret = (i: number) => `given-secret-${i}-0123456789abcdefghijklmnopqrstuvwxyz`

const document = {
  tenant: { allow_organization_name_in_authentication_api: true },
  resourceServers: [
    { name: 'Volume', identifier: AUDIENCE, scopes: [{ value: 'read:x' }] },
    { name: 'Second', identifier: SECOND_AUDIENCE, scopes: [{ value: 'read:y' }] },
  ],
  clients: Array.from({ length: CLIENTS }, (_, i) => ({
    name: name(i),
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
    ...(i >= CLIENTS - GIVEN ? { client_secret: givenSecret(i) } : {}),
  })),
  clientGrants: Array.from({ length: CLIENTS }, (_, i) => ({
    client_id: name(i),
    audience: AUDIENCE,
    scope: ['read:x'],
    organization_usage: 'allow',
  })),
  organizations: [
    ...Array.from({ length: ORGANIZATIONS }, (_, i) => ({
      name: `org-${i}`,
      display_name: `Org ${i}`,
      client_grants: [{ client_id: name(i * 5) }],
    })),
    // One organization every client's grant may be used with.
    {
      name: 'org-all',
      client_grants: Array.from({ length: CLIENTS }, (_, i) => ({ client_id: name(i) })),
    },
  ],
}

const payload = (clientId: string, secret: string, extra = '', audience = AUDIENCE) =>
  `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&client_secret=${encodeURIComponent(secret)}&audience=${encodeURIComponent(audience)}${extra}`

async function exchange(tenant: LocalTenant, body: string) {
  const answer = await tenant.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  return { status: answer.statusCode, body: answer.json() as Record<string, unknown> }
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<
    string,
    unknown
  >

describe(`a tenant of ${CLIENTS.toLocaleString('en')} clients`, () => {
  let dataDir: string
  let tenant: LocalTenant

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'auth-server-volume-'))
    tenant = await startLocalTenant({ tenant: document, dataDir })
  })
  afterAll(async () => {
    await tenant?.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('issues a token to clients first, in the middle and last, with generated and given secrets', async () => {
    for (const i of [0, 1, CLIENTS / 2, CLIENTS - GIVEN - 1, CLIENTS - 1]) {
      const clientId = tenant.clientId(name(i))
      const { status, body } = await exchange(
        tenant,
        payload(clientId, tenant.clientSecret(name(i))),
      )
      expect(status).toBe(200)
      expect(claimsOf(body.access_token as string)).toMatchObject({
        sub: `${clientId}@clients`,
        aud: AUDIENCE,
        scope: 'read:x',
      })
    }
    expect(tenant.clientSecret(name(CLIENTS - 1))).toBe(givenSecret(CLIENTS - 1))
  })

  it("refuses another client's secret and an unknown client alike (401)", async () => {
    const last = tenant.clientId(name(CLIENTS - GIVEN - 1))
    for (const body of [
      payload(last, tenant.clientSecret(name(0))),
      payload(last, `${tenant.clientSecret(name(CLIENTS - GIVEN - 1))}x`),
      payload('no-such-client', tenant.clientSecret(name(0))),
    ]) {
      const answer = await exchange(tenant, body)
      expect(answer).toMatchObject({ status: 401, body: { error: 'access_denied' } })
    }
  })

  it('finds an organization by name, up to the last one, and refuses it to a client it does not list', async () => {
    const i = ORGANIZATIONS - 1
    const client = name(i * 5)
    const body = payload(
      tenant.clientId(client),
      tenant.clientSecret(client),
      `&organization=org-${i}`,
    )
    const { status, body: answer } = await exchange(tenant, body)
    expect(status).toBe(200)
    expect(claimsOf(answer.access_token as string)).toMatchObject({
      org_id: expect.stringMatching(/^org_/),
      org_name: `org-${i}`,
    })
    for (const k of [0, CLIENTS - 1]) {
      const everyone = payload(
        tenant.clientId(name(k)),
        tenant.clientSecret(name(k)),
        '&organization=org-all',
      )
      expect((await exchange(tenant, everyone)).status).toBe(200)
    }
    const other = name(i * 5 + 1)
    const refused = await exchange(
      tenant,
      payload(tenant.clientId(other), tenant.clientSecret(other), `&organization=org-${i}`),
    )
    expect(refused.status).toBe(403)
  })

  it('stores generated secrets as SHA-256 digests and given ones as scrypt hashes', async () => {
    const state = JSON.parse(await readFile(join(dataDir, 'tenant-state.json'), 'utf8')) as {
      clients: Array<{ name: string; client_secret_hash: string; client_secret?: string }>
    }
    expect(state.clients).toHaveLength(CLIENTS)
    const forms = state.clients.map((c) => c.client_secret_hash.split('$')[0])
    expect(forms.slice(0, CLIENTS - GIVEN)).toEqual(Array(CLIENTS - GIVEN).fill('sha256'))
    expect(forms.slice(CLIENTS - GIVEN)).toEqual(Array(GIVEN).fill('scrypt'))
    expect(state.clients.some((c) => c.client_secret !== undefined)).toBe(false)
  })

  it('pages the Management API over them, and a client it adds gets tokens', async () => {
    const mgmt = tenant.mgmt()
    const page = await mgmt.request<{ clients: Array<{ name: string }>; total: number }>(
      'GET',
      'clients?per_page=100&page=99&include_totals=true',
    )
    expect(page.status).toBe(200)
    expect(page.body.total).toBe(CLIENTS)
    expect(page.body.clients.map((c) => c.name)).toEqual(
      Array.from({ length: 100 }, (_, k) => name(9_900 + k)),
    )
    const created = await mgmt.request<{ client_id: string; client_secret: string }>(
      'POST',
      'clients',
      { name: 'added', app_type: 'non_interactive' },
    )
    expect(created.status).toBe(201)
    const grant = await mgmt.request('POST', 'client-grants', {
      client_id: created.body.client_id,
      audience: AUDIENCE,
      scope: ['read:x'],
    })
    expect(grant.status).toBe(201)
    const answer = await exchange(
      tenant,
      payload(created.body.client_id, created.body.client_secret),
    )
    expect(answer.status).toBe(200)
    const [removedId, removedSecret] = [tenant.clientId(name(3)), tenant.clientSecret(name(3))]
    const removed = await mgmt.request('DELETE', `clients/${removedId}`)
    expect(removed.status).toBe(204)
    expect((await exchange(tenant, payload(removedId, removedSecret))).status).toBe(401)
  })

  it('names 20 clients, and how many more, when a test asks for one it does not have', () => {
    const error = (() => {
      try {
        tenant.clientId('Nobody')
      } catch (thrown) {
        return thrown as Error
      }
    })()
    expect(error?.message).toMatch(/^no client named or with id "Nobody" in the local tenant/)
    expect(error?.message).toContain('"client-0", "client-1"')
    // One client was removed and one added by the Management API above.
    expect(error?.message).toContain(`"client-20", … and ${CLIENTS - 20} more)`)
    expect(error?.message.length).toBeLessThan(500)
  })

  it('keeps every id, secret and Management API grant across a restart on the same data directory', async () => {
    // Clients with a secret in the file but no id: their ids were made anew at each start, and grants made for them lost.
    const granted = [name(0), name(CLIENTS - 1)]
    for (const client of granted) {
      const grant = await tenant.mgmt().request('POST', 'client-grants', {
        client_id: tenant.clientId(client),
        audience: SECOND_AUDIENCE,
        scope: ['read:y'],
      })
      expect(grant.status).toBe(201)
    }
    // Each file client there is now (the Management API may have removed some above).
    const credentials = (i: number) => {
      try {
        return [tenant.clientId(name(i)), tenant.clientSecret(name(i))]
      } catch {
        return undefined
      }
    }
    const before = Array.from({ length: CLIENTS }, (_, i) => credentials(i))
    expect(before.filter(Boolean).length).toBeGreaterThan(CLIENTS - 10)
    await tenant.close()
    tenant = await startLocalTenant({ tenant: document, dataDir })
    const changed = before.flatMap((pair, i) => {
      const now = pair && credentials(i)
      return !pair || (now?.[0] === pair[0] && now?.[1] === pair[1]) ? [] : [i]
    })
    expect(changed).toEqual([])
    const last = name(CLIENTS - GIVEN - 1)
    const { status } = await exchange(
      tenant,
      payload(tenant.clientId(last), tenant.clientSecret(last)),
    )
    expect(status).toBe(200)
    for (const client of granted) {
      const second = payload(
        tenant.clientId(client),
        tenant.clientSecret(client),
        '',
        SECOND_AUDIENCE,
      )
      expect((await exchange(tenant, second)).status).toBe(200)
    }
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type LocalTenant, startLocalTenant } from '../src/testing/index.js'

// A file client without a `client_id` keeps, by its name, the id it got at its
// first start (with a `DATA_DIR`); an id the file gives stays that client's,
// and no other client takes it over by name.

const AUDIENCE = 'urn:ids'
const SECRET_A = 'secret-a-0123456789abcdefghijklmnopqrstuvwxyz'
const SECRET_B = 'secret-b-0123456789abcdefghijklmnopqrstuvwxyz'

const documentOf = (clients: Array<Record<string, unknown>>) => ({
  resourceServers: [{ name: 'Ids', identifier: AUDIENCE, scopes: [{ value: 'read:x' }] }],
  clients: clients.map((c) => ({ app_type: 'non_interactive', ...c })),
  clientGrants: clients.map((c) => ({ client_id: c.name, audience: AUDIENCE, scope: ['read:x'] })),
})

async function status(tenant: LocalTenant, clientId: string, secret: string) {
  const answer = await tenant.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      audience: AUDIENCE,
    },
  })
  return answer.statusCode
}

describe('client ids across restarts', () => {
  let dataDir: string
  let tenant: LocalTenant | undefined
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'auth-server-ids-'))
  })
  afterEach(async () => {
    await tenant?.close()
    tenant = undefined
    await rm(dataDir, { recursive: true, force: true })
  })

  it('keeps the id of a client with a given secret and no id, by its name', async () => {
    tenant = await startLocalTenant({
      tenant: documentOf([{ name: 'billing', client_secret: SECRET_A }]),
      dataDir,
    })
    const first = tenant.clientId('billing')
    await tenant.close()
    tenant = await startLocalTenant({
      tenant: documentOf([{ name: 'billing', client_secret: SECRET_A }]),
      dataDir,
    })
    expect(tenant.clientId('billing')).toBe(first)
    expect(await status(tenant, first, SECRET_A)).toBe(200)
  })

  it('never gives a client, by name, an id the file gives another client', async () => {
    tenant = await startLocalTenant({
      tenant: documentOf([{ name: 'billing', client_id: 'abc', client_secret: SECRET_A }]),
      dataDir,
    })
    await tenant.close()
    // The old client is renamed, keeping its id; a new one takes its old name, with no id.
    tenant = await startLocalTenant({
      tenant: documentOf([
        { name: 'billing-old', client_id: 'abc', client_secret: SECRET_A },
        { name: 'billing', client_secret: SECRET_B },
      ]),
      dataDir,
    })
    const fresh = tenant.clientId('billing')
    expect(tenant.clientId('billing-old')).toBe('abc')
    expect(fresh).not.toBe('abc')
    expect(await status(tenant, 'abc', SECRET_A)).toBe(200)
    expect(await status(tenant, fresh, SECRET_B)).toBe(200)
    expect(await status(tenant, 'abc', SECRET_B)).toBe(401)
  })

  it('keeps the generated secret of a client whose file gives its id, renamed or not', async () => {
    tenant = await startLocalTenant({
      tenant: documentOf([{ name: 'reports', client_id: 'rep' }]),
      dataDir,
    })
    const secret = tenant.clientSecret('rep')
    await tenant.close()
    tenant = await startLocalTenant({
      tenant: documentOf([{ name: 'reports, renamed', client_id: 'rep' }]),
      dataDir,
    })
    expect(tenant.clientSecret('rep')).toBe(secret)
    expect(await status(tenant, 'rep', secret)).toBe(200)
  })
})

import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildTestServer, decodeJwt, tokenRequest } from './helpers/test-server.js'
import { MANAGEMENT_AUDIENCE } from './helpers/test-tenant.js'

let dataDir: string

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'auth-server-'))
})
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true })
})

describe('DATA_DIR', () => {
  it('keeps keys, clients and grants across a restart, with owner-only files', async () => {
    const first = await buildTestServer({ dataDir })
    const admin = (await tokenRequest(first.app, 'admin', { audience: MANAGEMENT_AUDIENCE })).json()
      .access_token
    const auth = { authorization: `Bearer ${admin}` }
    const created = (
      await first.app.inject({
        method: 'POST',
        url: '/api/v2/clients',
        headers: auth,
        payload: { name: 'Nightly' },
      })
    ).json()
    await first.app.inject({
      method: 'POST',
      url: '/api/v2/client-grants',
      headers: auth,
      payload: {
        client_id: created.client_id,
        audience: 'urn:worldmappers',
        scope: ['directions'],
      },
    })
    await first.app.inject({ method: 'POST', url: '/api/v2/keys/signing/rotate', headers: auth })
    const kid = first.keys.current().kid
    await first.app.close()

    const second = await buildTestServer({ dataDir })
    expect(second.keys.current().kid).toBe(kid)
    // the admin token signed before the restart still verifies (same keys)
    const users = await second.app.inject({ url: '/api/v2/users', headers: auth })
    expect(users.statusCode).toBe(200)
    const token = await second.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: created.client_id,
        client_secret: created.client_secret,
        audience: 'urn:worldmappers',
      },
    })
    expect(token.statusCode).toBe(200)
    expect(decodeJwt(token.json().access_token).header.kid).toBe(kid)
    await second.app.close()

    for (const file of await readdir(dataDir)) {
      const mode = (await stat(join(dataDir, file))).mode & 0o777
      expect(`${file} ${mode.toString(8)}`).toBe(`${file} 600`)
    }
    // The secret in plain text is in client-secrets.env only (for m2m --env-file and
    // read:client_keys); the state and the keys hold no secret of a client.
    for (const file of await readdir(dataDir)) {
      const text = await readFile(join(dataDir, file), 'utf8')
      if (file === 'client-secrets.env') expect(text).toContain(created.client_secret)
      else expect(text, file).not.toContain(created.client_secret)
    }
  })
})

describe('restart merge: the tenant file is the truth for what it declares', () => {
  async function adminToken(app: Awaited<ReturnType<typeof buildTestServer>>['app']) {
    return (await tokenRequest(app, 'admin', { audience: MANAGEMENT_AUDIENCE })).json().access_token
  }

  it('drops a client (and its grants) that left the file', async () => {
    const first = await buildTestServer({ dataDir })
    await first.app.close()
    const second = await buildTestServer({
      dataDir,
      editTenant: (t) => {
        t.clients = t.clients.filter((c) => c.client_id !== 'limited')
        t.clientGrants = t.clientGrants.filter((g) => g.client_id !== 'limited')
      },
    })
    expect(second.state.client('limited')).toBeUndefined()
    expect((await tokenRequest(second.app, 'limited')).statusCode).toBe(401)
    await second.app.close()
  })

  it('keeps a secret rotated through the Management API over the file one', async () => {
    const first = await buildTestServer({ dataDir })
    const admin = await adminToken(first.app)
    const rotated = (
      await first.app.inject({
        method: 'POST',
        url: '/api/v2/clients/limited/rotate-secret',
        headers: { authorization: `Bearer ${admin}` },
      })
    ).json()
    await first.app.close()
    const second = await buildTestServer({ dataDir })
    expect((await tokenRequest(second.app, 'limited')).statusCode).toBe(401)
    const fresh = await tokenRequest(second.app, 'limited', {
      client_secret: rotated.client_secret,
    })
    expect(fresh.statusCode).toBe(200)
    await second.app.close()
  })

  it('keeps API-made clients and grants, and never lets a file client take one over by name', async () => {
    const first = await buildTestServer({ dataDir })
    const admin = await adminToken(first.app)
    const auth = { authorization: `Bearer ${admin}` }
    const made = (
      await first.app.inject({
        method: 'POST',
        url: '/api/v2/clients',
        headers: auth,
        payload: { name: 'Reports' },
      })
    ).json()
    await first.app.inject({
      method: 'POST',
      url: '/api/v2/client-grants',
      headers: auth,
      payload: { client_id: made.client_id, audience: 'urn:worldmappers', scope: ['directions'] },
    })
    await first.app.close()

    // the file now declares a client of the same name, without a secret
    const second = await buildTestServer({
      dataDir,
      editTenant: (t) => {
        t.clients.push({
          ...(t.clients[0] as (typeof t.clients)[0]),
          client_id: 'generated-reports',
          name: 'Reports',
        })
      },
      generated: [
        { clientName: 'Reports', clientId: 'generated-reports', clientSecret: 'shown-once' },
      ],
    })
    expect(second.newSecrets.map((s) => s.clientId)).toEqual(['generated-reports'])
    expect(second.state.client('generated-reports')?.name).toBe('Reports')
    const apiClient = second.state.client(made.client_id)
    expect(apiClient?.name).toBe('Reports')
    const token = await second.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: made.client_id,
        client_secret: made.client_secret,
        audience: 'urn:worldmappers',
      },
    })
    expect(token.statusCode).toBe(200)
    await second.app.close()

    // a third start shows no secret again: the generated one was kept
    const third = await buildTestServer({
      dataDir,
      editTenant: (t) => {
        t.clients.push({
          ...(t.clients[0] as (typeof t.clients)[0]),
          client_id: 'generated-again',
          name: 'Reports',
        })
      },
      generated: [{ clientName: 'Reports', clientId: 'generated-again', clientSecret: 'other' }],
    })
    expect(third.newSecrets).toEqual([])
    expect(third.state.client('generated-reports')?.name).toBe('Reports')
    await third.app.close()
  })
})

describe('concurrent changes', () => {
  it('persists 10 concurrent PATCHes and 3 concurrent rotations without a 500', async () => {
    const server = await buildTestServer({ dataDir })
    const admin = (
      await tokenRequest(server.app, 'admin', { audience: MANAGEMENT_AUDIENCE })
    ).json().access_token
    const auth = { authorization: `Bearer ${admin}` }
    const made = (
      await server.app.inject({
        method: 'POST',
        url: '/api/v2/clients',
        headers: auth,
        payload: { name: 'Batch' },
      })
    ).json()
    const patches = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server.app.inject({
          method: 'PATCH',
          url: `/api/v2/clients/${made.client_id}`,
          headers: auth,
          payload: { description: `change ${i}` },
        }),
      ),
    )
    expect(patches.map((r) => r.statusCode)).toEqual(Array(10).fill(200))
    const rotations = await Promise.all(
      Array.from({ length: 3 }, () =>
        server.app.inject({ method: 'POST', url: '/api/v2/keys/signing/rotate', headers: auth }),
      ),
    )
    expect(rotations.map((r) => r.statusCode)).toEqual([201, 201, 201])
    const kid = server.keys.current().kid
    await server.app.close()
    const again = await buildTestServer({ dataDir })
    expect(again.keys.current().kid).toBe(kid)
    expect(again.state.client(made.client_id)?.description).toBe('change 9')
    await again.app.close()
  })
})

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
    const all = await Promise.all(
      (await readdir(dataDir)).map((f) => readFile(join(dataDir, f), 'utf8')),
    )
    expect(all.join('')).not.toContain(created.client_secret)
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuthServer } from '@m2m/auth-server'
import { request } from 'undici'
import {
  type BenchTenant,
  benchTenantKeywords,
  secretOf,
  tenantFile,
} from '../../src/runner/bench-tenant.js'
import { pickPort } from '../../src/runner/ports.js'

/**
 * The real auth server with the bench tenant file, in this process on a free
 * loopback port, with its keys in a temporary DATA_DIR: the `BenchTenant` the
 * scenarios get, without a child process.
 */
export async function startInProcessTenant(): Promise<BenchTenant> {
  const dataDir = await mkdtemp(join(tmpdir(), 'm2m-bench-tenant-'))
  const port = await pickPort()
  const issuer = `http://127.0.0.1:${port}/`
  const { app } = await createAuthServer({
    issuer,
    tenantFile,
    dataDir,
    keywordMappings: benchTenantKeywords(),
    testControls: true,
    rateLimit: { perSecond: 100_000, burst: 100_000 },
    ipRateLimit: { perSecond: 100_000, burst: 100_000 },
  })
  await app.listen({ port, host: '127.0.0.1' })
  const { readFile } = await import('node:fs/promises')
  return {
    issuer,
    port,
    pid: process.pid,
    dataDir,
    async token(clientId, audience) {
      const response = await request(`${issuer}oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: secretOf(clientId),
          audience,
        }),
      })
      const body = (await response.body.json()) as { access_token: string }
      if (response.statusCode !== 200) throw new Error(`no token: ${JSON.stringify(body)}`)
      return body.access_token
    },
    async exchanges() {
      return (await (await request(`${issuer}__test__/exchanges`)).body.json()) as Record<
        string,
        { succeeded: number; failed: number }
      >
    },
    async resetExchanges() {
      await (await request(`${issuer}__test__/exchanges`, { method: 'DELETE' })).body.dump()
    },
    async currentSigningKey() {
      const ring = JSON.parse(await readFile(join(dataDir, 'signing-keys.json'), 'utf8'))
      return ring.keys.find((k: { kid: string }) => k.kid === ring.current)
    },
    async stop() {
      await app.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

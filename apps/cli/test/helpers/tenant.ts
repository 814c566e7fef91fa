import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createAuthServer, devTenantFile } from '@m2m/auth-server'
import { freePort } from '@m2m/test-kit'

const requireHere = createRequire(import.meta.url)

/** The dev tenant's LOCAL-ONLY credentials (`.env.example` holds the same values). */
export const devKeywords = JSON.parse(
  readFileSync(
    join(
      dirname(requireHere.resolve('@m2m/auth-server/package.json')),
      'tenants/dev/keywords.json',
    ),
    'utf8',
  ),
) as Record<string, string>

/** `STOREFRONT_CLIENT_ID=...` etc., as a `.env` file or an environment would hold them. */
export const devCredentialsEnv: Record<string, string> = Object.fromEntries(
  Object.entries(devKeywords).filter(([name]) => /_CLIENT_(ID|SECRET)$/.test(name)),
)

/**
 * The real local tenant (apps/auth-server) with the dev tenant file on
 * loopback; the issuer must be known before the app is built, so a free port is picked first.
 */
export async function startTenant() {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}/`
  const { app } = await createAuthServer({
    issuer,
    tenantFile: devTenantFile,
    dataDir: undefined,
    keywordMappings: {},
    testControls: true,
    rateLimit: { perSecond: 100_000, burst: 100_000 },
    ipRateLimit: { perSecond: 100_000, burst: 100_000 },
  })
  await app.listen({ port, host: '127.0.0.1' })
  return { app, issuer, port, close: () => app.close() }
}

export type Tenant = Awaited<ReturnType<typeof startTenant>>

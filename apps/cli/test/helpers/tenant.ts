import { devTenantFile } from '@m2m/auth-server'
import { startLocalTenant } from '@m2m/auth-server/testing'
import { readTenantKeywords } from '@m2m/test-kit'

/** The dev tenant's LOCAL-ONLY credentials (`.env.example` holds the same values). */
export const devKeywords = readTenantKeywords(devTenantFile)

/** `STOREFRONT_CLIENT_ID=...` etc., as a `.env` file or an environment would hold them. */
export const devCredentialsEnv: Record<string, string> = Object.fromEntries(
  Object.entries(devKeywords).filter(([name]) => /_CLIENT_(ID|SECRET)$/.test(name)),
)

/** The real local tenant (apps/auth-server) with the dev tenant file on loopback. */
export function startTenant() {
  return startLocalTenant({ tenant: devTenantFile })
}

export type Tenant = Awaited<ReturnType<typeof startTenant>>

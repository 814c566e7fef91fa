import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** A client's id and secret, as a tenant's keywords hold them. */
export interface ClientCredentials {
  clientId: string
  clientSecret: string
}

/**
 * The keyword values of a tenant file: `keywords.json` beside it, where the
 * local tenant (apps/auth-server) reads them. The dev tenant's hold its
 * clients' LOCAL-ONLY ids and secrets (`STOREFRONT_CLIENT_ID`, …).
 */
export function readTenantKeywords(tenantFile: string): Record<string, string> {
  const file = join(dirname(tenantFile), 'keywords.json')
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
}

/** The client whose keywords start with `prefix` (`STOREFRONT` → `STOREFRONT_CLIENT_ID`, …). */
export function clientCredentials(
  keywords: Record<string, string>,
  prefix: string,
): ClientCredentials {
  const clientId = keywords[`${prefix}_CLIENT_ID`]
  const clientSecret = keywords[`${prefix}_CLIENT_SECRET`]
  if (clientId === undefined || clientSecret === undefined) {
    throw new Error(`the tenant's keywords hold no credentials for ${prefix}`)
  }
  return { clientId, clientSecret }
}

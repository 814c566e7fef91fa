import { TenantOptionError } from '../errors.js'

/** The issuer as tokens carry it: an absolute http(s) URL ending in `/`. */
export function normalizeIssuer(issuer: string): string {
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) {
    throw new TenantOptionError(`issuer must be an absolute URL, got ${JSON.stringify(issuer)}`)
  }
  const { protocol } = new URL(issuer)
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new TenantOptionError(`issuer must be an http(s) URL, got ${JSON.stringify(issuer)}`)
  }
  return issuer.endsWith('/') ? issuer : `${issuer}/`
}

/** `<issuer>api/v2/`: the Management API's identifier (audience). */
export function managementApiAudience(issuer: string): string {
  return `${normalizeIssuer(issuer)}api/v2/`
}

// A tenant's canonical Auth0 domain (never a custom domain): tenant.auth0.com,
// tenant.eu.auth0.com, tenant.us3.auth0.com, …
const AUTH0_MANAGEMENT_AUDIENCE =
  /^https:\/\/[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)?\.auth0\.com\/api\/v2\/$/

/**
 * True for the Management API audience of an Auth0 tenant
 * (`https://<tenant>[.<region>].auth0.com/api/v2/`). An export names its own
 * tenant's; here it stands for the local Management API.
 */
export function isAuth0ManagementAudience(audience: string): boolean {
  return AUTH0_MANAGEMENT_AUDIENCE.test(audience)
}

/**
 * The API an `audience` names among `apis`: the one with that identifier, or
 * the Management API (the system API) for an Auth0 tenant's Management API
 * audience, since an export names its own tenant's.
 */
export function apiForAudience<Api extends { identifier: string; is_system?: boolean }>(
  apis: Iterable<Api>,
  audience: string,
): Api | undefined {
  let system: Api | undefined
  for (const api of apis) {
    if (api.identifier === audience) return api
    if (api.is_system) system ??= api
  }
  return isAuth0ManagementAudience(audience) ? system : undefined
}

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

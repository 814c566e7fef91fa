import { usageError } from '../errors.js'
import type { EnvLayers } from './env-layers.js'

/** The local tenant of this repository (apps/auth-server). */
export const DEFAULT_ISSUER = 'http://localhost:4000/'

export interface IssuerFlags {
  issuer?: string
  domain?: string
}

/**
 * The issuer URL, always ending with `/` as Auth0's do: `--issuer` or
 * `--domain`, else `ISSUER_BASE_URL` or `AUTH0_DOMAIN` from the first layer
 * that sets one (the environment, then the env file), else the local tenant.
 */
export function resolveIssuer(flags: IssuerFlags, env: EnvLayers): string {
  if (flags.issuer !== undefined && flags.domain !== undefined) {
    throw usageError('give --issuer or --domain, not both')
  }
  if (flags.issuer !== undefined) return issuerFromUrl(flags.issuer, '--issuer')
  if (flags.domain !== undefined) return issuerFromDomain(flags.domain, '--domain')
  for (const { origin, vars } of env.layers) {
    const url = vars.ISSUER_BASE_URL || undefined
    const domain = vars.AUTH0_DOMAIN || undefined
    if (url && domain) {
      throw usageError(`ISSUER_BASE_URL and AUTH0_DOMAIN are both set (${origin}): keep one`)
    }
    if (url) return issuerFromUrl(url, 'ISSUER_BASE_URL')
    if (domain) return issuerFromDomain(domain, 'AUTH0_DOMAIN')
  }
  return DEFAULT_ISSUER
}

function issuerFromUrl(value: string, name: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw usageError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
  return value.endsWith('/') ? value : `${value}/`
}

function issuerFromDomain(value: string, name: string): string {
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(value)) {
    throw usageError(
      `${name} must be a host name such as tenant.auth0.com, got ${JSON.stringify(value)}`,
    )
  }
  return `https://${value}/`
}

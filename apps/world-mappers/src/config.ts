import { fileURLToPath } from 'node:url'

/** The service's configuration; `loadConfig` is the only reader of `process.env`. */
export interface WorldMappersConfig {
  port: number
  host: string
  /** The token issuer, ending with `/` (Auth0 issuers do). */
  issuer: string
  audience: string
  /** The operator's own places (YAML or JSON). */
  placesFile: string | undefined
  /** Name of the place directions start from when no origin is given. */
  depot: string
  logLevel: string
}

export const devPlacesFile = fileURLToPath(new URL('../config/places.yaml', import.meta.url))

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

/** Reads and validates the environment; a wrong value throws a `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorldMappersConfig {
  const port = integer(env, 'PORT', 7001)
  let issuer: string
  if (env.ISSUER_BASE_URL && env.AUTH0_DOMAIN) {
    throw new ConfigError('AUTH0_DOMAIN', 'give ISSUER_BASE_URL or AUTH0_DOMAIN, not both')
  }
  if (env.AUTH0_DOMAIN) {
    if (!/^[a-z0-9.-]+(:\d+)?$/i.test(env.AUTH0_DOMAIN)) {
      throw new ConfigError(
        'AUTH0_DOMAIN',
        `must be a host name such as tenant.auth0.com, got ${JSON.stringify(env.AUTH0_DOMAIN)}`,
      )
    }
    issuer = `https://${env.AUTH0_DOMAIN}/`
  } else {
    issuer = env.ISSUER_BASE_URL || 'http://localhost:4000/'
    if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
      throw new ConfigError(
        'ISSUER_BASE_URL',
        `must be an http(s) URL, got ${JSON.stringify(issuer)}`,
      )
    }
    if (!issuer.endsWith('/')) issuer = `${issuer}/`
  }
  const audience = env.AUDIENCE || 'urn:worldmappers'
  const logLevel = env.LOG_LEVEL || 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      'LOG_LEVEL',
      'must be one of fatal, error, warn, info, debug, trace, silent',
    )
  }
  return {
    port,
    host: env.HOST || '127.0.0.1',
    issuer,
    audience,
    placesFile: env.PLACES_FILE === '' ? undefined : (env.PLACES_FILE ?? devPlacesFile),
    depot: env.DEPOT || 'North Pole Depot',
    logLevel,
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number) {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new ConfigError(name, `must be an integer from 0 to 65535, got ${JSON.stringify(raw)}`)
  }
  return value
}

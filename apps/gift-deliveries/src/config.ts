/** The service's configuration; `loadConfig` is the only reader of `process.env`. */
export interface GiftDeliveriesConfig {
  port: number
  host: string
  /** The token issuer, ending with `/`. */
  issuer: string
  audience: string
  clientId: string
  clientSecret: string
  worldMappersUrl: string
  worldMappersAudience: string
  databaseUrl: string | undefined
  dataDir: string | undefined
  logLevel: string
}

// LOCAL-ONLY credentials of the dev tenant's "Gift Deliveries" client
// (apps/auth-server/tenants/dev/keywords.json, .env.example): used only when
// the issuer is the local tenant on loopback and none are given.
const DEV_CLIENT_ID = 'gift-deliveries-dev'
const DEV_CLIENT_SECRET = '0C7N_4uvLn3CEhJMiHBIDxeRm8hfca3jOqRTf7HS748'

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

/** Reads and validates the environment; a wrong or missing value throws a `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GiftDeliveriesConfig {
  const port = integer(env, 'PORT', 3000)
  if (env.ISSUER_BASE_URL && env.AUTH0_DOMAIN) {
    throw new ConfigError('AUTH0_DOMAIN', 'give ISSUER_BASE_URL or AUTH0_DOMAIN, not both')
  }
  let issuer: string
  if (env.AUTH0_DOMAIN) {
    if (!/^[a-z0-9.-]+(:\d+)?$/i.test(env.AUTH0_DOMAIN)) {
      throw new ConfigError(
        'AUTH0_DOMAIN',
        `must be a host name such as tenant.auth0.com, got ${JSON.stringify(env.AUTH0_DOMAIN)}`,
      )
    }
    issuer = `https://${env.AUTH0_DOMAIN}/`
  } else {
    issuer = httpUrl(env, 'ISSUER_BASE_URL', 'http://localhost:4000/')
    if (!issuer.endsWith('/')) issuer = `${issuer}/`
  }
  const local = isLoopback(new URL(issuer).hostname) && new URL(issuer).protocol === 'http:'
  const clientId = env.AUTH0_CLIENT_ID || (local ? DEV_CLIENT_ID : '')
  const clientSecret = env.AUTH0_CLIENT_SECRET || (local ? DEV_CLIENT_SECRET : '')
  if (!clientId)
    throw new ConfigError('AUTH0_CLIENT_ID', 'is required (the M2M client of this service)')
  if (!clientSecret)
    throw new ConfigError('AUTH0_CLIENT_SECRET', 'is required (the M2M client secret)')
  const databaseUrl = env.DATABASE_URL || undefined
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL')
  }
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
    audience: env.AUDIENCE || 'urn:gift-deliveries',
    clientId,
    clientSecret,
    worldMappersUrl: httpUrl(env, 'WORLD_MAPPERS_URL', 'http://localhost:7001').replace(/\/$/, ''),
    worldMappersAudience: env.WORLD_MAPPERS_AUDIENCE || 'urn:worldmappers',
    databaseUrl,
    dataDir: env.DATA_DIR === '' ? undefined : (env.DATA_DIR ?? 'data'),
    logLevel,
  }
}

function httpUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name] || fallback
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new ConfigError(name, `must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
  return value
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.')
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

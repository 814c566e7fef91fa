import { fileURLToPath } from 'node:url'

/** The server's configuration; `loadConfig` is the only reader of `process.env`. */
export interface AuthServerConfig {
  port: number
  host: string
  /** Always ends with `/`, as Auth0 issuers do. */
  issuer: string
  tenantFile: string
  /** Where keys and Management API changes persist; `undefined` keeps them in memory. */
  dataDir: string | undefined
  keywordMappings: Record<string, unknown>
  testControls: boolean
  logLevel: string
  rateLimit: { perSecond: number; burst: number }
  /** Per-IP limit on `/oauth/token` (floods, unauthenticated requests). */
  ipRateLimit: { perSecond: number; burst: number }
}

export const devTenantFile = fileURLToPath(new URL('../tenants/dev/tenant.yaml', import.meta.url))

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

/** Reads and validates the environment; a wrong value throws a `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AuthServerConfig {
  const port = integer(env, 'PORT', 4000, 0, 65_535)
  const issuer = env.ISSUER_BASE_URL ?? `http://localhost:${port}/`
  if (!URL.canParse(issuer) || !/^https?:$/.test(new URL(issuer).protocol)) {
    throw new ConfigError(
      'ISSUER_BASE_URL',
      `must be an http(s) URL, got ${JSON.stringify(issuer)}`,
    )
  }
  let keywordMappings: Record<string, unknown> = {}
  const rawMappings = env.AUTH0_KEYWORD_REPLACE_MAPPINGS
  if (rawMappings !== undefined && rawMappings.trim() !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(rawMappings)
    } catch {
      throw new ConfigError(
        'AUTH0_KEYWORD_REPLACE_MAPPINGS',
        'must be a JSON object, and is not JSON',
      )
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError('AUTH0_KEYWORD_REPLACE_MAPPINGS', 'must be a JSON object')
    }
    keywordMappings = parsed as Record<string, unknown>
  }
  const logLevel = env.LOG_LEVEL ?? 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(
      'LOG_LEVEL',
      `must be one of fatal, error, warn, info, debug, trace, silent`,
    )
  }
  return {
    port,
    host: env.HOST || '127.0.0.1',
    issuer: issuer.endsWith('/') ? issuer : `${issuer}/`,
    tenantFile: env.TENANT_FILE || devTenantFile,
    dataDir: env.DATA_DIR === '' ? undefined : (env.DATA_DIR ?? 'data'),
    keywordMappings,
    testControls: flag(env, 'AUTH_SERVER_TEST_CONTROLS'),
    logLevel,
    rateLimit: {
      perSecond: integer(env, 'TOKEN_RATE_LIMIT_PER_SECOND', 30, 1, 1_000_000),
      burst: integer(env, 'TOKEN_RATE_LIMIT_BURST', 30, 1, 1_000_000),
    },
    ipRateLimit: {
      perSecond: integer(env, 'TOKEN_RATE_LIMIT_PER_IP', 100, 1, 1_000_000),
      burst: integer(env, 'TOKEN_RATE_LIMIT_PER_IP', 100, 1, 1_000_000),
    },
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      name,
      `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
    )
  }
  return value
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false
  if (raw === '1' || raw === 'true') return true
  throw new ConfigError(name, `must be 1/true or 0/false, got ${JSON.stringify(raw)}`)
}

import { fileURLToPath } from 'node:url'
import { ConfigError, readFlag, readHttpUrl, readInteger, readLogLevel } from '@m2m/service-kit'
import {
  readPackageVersion,
  readTelemetryConfig,
  type TelemetryConfig,
} from '@m2m/service-kit/telemetry'
import { TENANT_PLANS, type TenantPlan } from './oauth/tenant-plans.js'

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
  /** The Management API's limit, for the whole tenant (Auth0 Free: 2 per second). */
  managementRateLimit: { perSecond: number; burst: number }
  /** DPoP proofs at the token endpoint must carry a server nonce (RFC 9449 §8). */
  dpopRequireNonce: boolean
  /** The Auth0 plan whose monthly M2M token allowance is simulated; `undefined`: none (the default). */
  tenantPlan?: TenantPlan | undefined
  /** OpenTelemetry: service name, OTLP endpoints (none by default: `/metrics` only). */
  telemetry: TelemetryConfig
  /** `/dashboard`: on unless `DASHBOARD=off`; `DASHBOARD_PASSWORD`, else a one-time link printed at start. */
  dashboard: DashboardConfig
}

export interface DashboardConfig {
  enabled: boolean
  /** `DASHBOARD_PASSWORD`: sign in with it; without it, with the one-time link printed at start. */
  password?: string | undefined
  /** `DASHBOARD_ALLOW_REMOTE=true`: answer other machines too (still behind the sign-in). */
  allowRemote: boolean
}

export const devTenantFile = fileURLToPath(new URL('../tenants/dev/tenant.yaml', import.meta.url))

export { ConfigError }

/** Reads and validates the environment; a wrong value throws a `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AuthServerConfig {
  const port = readInteger(env, 'PORT', 4000)
  const issuer = readHttpUrl(env, 'ISSUER_BASE_URL', `http://localhost:${port}/`)
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
  const logLevel = readLogLevel(env)
  return {
    port,
    host: env.HOST || '127.0.0.1',
    issuer: issuer.endsWith('/') ? issuer : `${issuer}/`,
    tenantFile: env.TENANT_FILE || devTenantFile,
    dataDir: env.DATA_DIR === '' ? undefined : (env.DATA_DIR ?? 'data'),
    keywordMappings,
    testControls: readFlag(env, 'AUTH_SERVER_TEST_CONTROLS'),
    logLevel,
    rateLimit: {
      perSecond: readInteger(env, 'TOKEN_RATE_LIMIT_PER_SECOND', 30, 1, 1_000_000),
      burst: readInteger(env, 'TOKEN_RATE_LIMIT_BURST', 30, 1, 1_000_000),
    },
    ipRateLimit: {
      perSecond: readInteger(env, 'TOKEN_RATE_LIMIT_PER_IP', 100, 1, 1_000_000),
      burst: readInteger(env, 'TOKEN_RATE_LIMIT_PER_IP', 100, 1, 1_000_000),
    },
    managementRateLimit: {
      perSecond: readInteger(env, 'MANAGEMENT_API_RATE_LIMIT_PER_SECOND', 2, 1, 1_000_000),
      burst: readInteger(env, 'MANAGEMENT_API_RATE_LIMIT_BURST', 10, 1, 1_000_000),
    },
    dpopRequireNonce: readFlag(env, 'DPOP_REQUIRE_NONCE'),
    tenantPlan: readTenantPlan(env),
    dashboard: readDashboardConfig(env),
    telemetry: readTelemetryConfig(env, {
      name: 'auth-server',
      version: readPackageVersion(import.meta.url),
    }),
  }
}

/** `TENANT_PLAN`: unset, empty or `none` simulates no plan allowance; `free` gives 1,000 tokens a month. */
function readTenantPlan(env: NodeJS.ProcessEnv): TenantPlan | undefined {
  const raw = env.TENANT_PLAN
  if (raw === undefined || raw === '' || raw === 'none') return undefined
  if ((TENANT_PLANS as readonly string[]).includes(raw)) return raw as TenantPlan
  throw new ConfigError(
    'TENANT_PLAN',
    `must be one of none, ${TENANT_PLANS.join(', ')}, got ${JSON.stringify(raw)}`,
  )
}

function readDashboardConfig(env: NodeJS.ProcessEnv): DashboardConfig {
  const mode = env.DASHBOARD ?? 'on'
  if (mode !== 'on' && mode !== 'off' && mode !== '') {
    throw new ConfigError('DASHBOARD', `must be on or off, got ${JSON.stringify(mode)}`)
  }
  const password = env.DASHBOARD_PASSWORD
  if (password !== undefined && password !== '' && password.length < 12) {
    throw new ConfigError('DASHBOARD_PASSWORD', 'must be at least 12 characters long')
  }
  return {
    enabled: mode !== 'off',
    ...(password ? { password } : {}),
    allowRemote: readFlag(env, 'DASHBOARD_ALLOW_REMOTE'),
  }
}

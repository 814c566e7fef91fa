import { decodeTokenEncryptionKey } from '@m2m/auth/token'
import {
  ConfigError,
  isLoopbackHost,
  readHttpUrl,
  readInteger,
  readIssuer,
  readLogLevel,
} from '@m2m/service-kit'

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
  /** The token endpoint when not found by discovery at the issuer (a private network name). */
  tokenEndpoint: string | undefined
  /** Where to fetch the issuer's keys when not `<issuer>.well-known/jwks.json`. */
  jwksUri: string | undefined
  databaseUrl: string | undefined
  dataDir: string | undefined
  /** Redis shared by replicas for the M2M token cache; in-process cache when undefined. */
  redisUrl: string | undefined
  /** AES-256-GCM key for tokens at rest in Redis (32 bytes); set whenever `redisUrl` is. */
  tokenCacheEncryptionKey: Buffer | undefined
  /** How long `POST /deliveries` waits for its plan before answering 202. */
  planTimeoutMs: number
  /** How long a new pending delivery is left to its request before any replica's worker may take it. */
  pendingGraceMs: number
  logLevel: string
}

// LOCAL-ONLY credentials of the dev tenant's "Gift Deliveries" client
// (apps/auth-server/tenants/dev/keywords.json, .env.example): used only when
// the issuer is the local tenant on loopback and none are given.
const DEV_CLIENT_ID = 'gift-deliveries-dev'
const DEV_CLIENT_SECRET = '0C7N_4uvLn3CEhJMiHBIDxeRm8hfca3jOqRTf7HS748'

export { ConfigError }

/** Reads and validates the environment; a wrong or missing value throws a `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GiftDeliveriesConfig {
  const port = readInteger(env, 'PORT', 3000)
  const issuer = readIssuer(env, 'http://localhost:4000/')
  const issuerUrl = new URL(issuer)
  const local = issuerUrl.protocol === 'http:' && isLoopbackHost(issuerUrl.hostname)
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
  const redisUrl = env.REDIS_URL || undefined
  if (redisUrl !== undefined && !(/^rediss?:\/\//.test(redisUrl) && URL.canParse(redisUrl))) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL')
  }
  let tokenCacheEncryptionKey: Buffer | undefined
  if (env.TOKEN_CACHE_ENCRYPTION_KEY) {
    try {
      tokenCacheEncryptionKey = decodeTokenEncryptionKey(env.TOKEN_CACHE_ENCRYPTION_KEY)
    } catch {
      throw new ConfigError(
        'TOKEN_CACHE_ENCRYPTION_KEY',
        'must be 32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)',
      )
    }
  } else if (redisUrl !== undefined) {
    // Always, loopback included: a key made up per process would stop replicas sharing tokens.
    throw new ConfigError(
      'TOKEN_CACHE_ENCRYPTION_KEY',
      'is required with REDIS_URL (tokens are encrypted at rest): openssl rand -base64 32',
    )
  }
  const planTimeoutMs = readInteger(env, 'PLAN_TIMEOUT_MS', 3_000, 1, 60_000)
  // Longer than a whole inline plan (world-mappers timeout, token included), so a
  // worker never takes a delivery its request is still planning.
  const pendingGraceMs = readInteger(env, 'PENDING_GRACE_MS', 30_000, 10_000, 3_600_000)
  return {
    port,
    host: env.HOST || '127.0.0.1',
    issuer,
    audience: env.AUDIENCE || 'urn:gift-deliveries',
    clientId,
    clientSecret,
    worldMappersUrl: readOrigin(env, 'WORLD_MAPPERS_URL', 'http://localhost:7001'),
    worldMappersAudience: env.WORLD_MAPPERS_AUDIENCE || 'urn:worldmappers',
    tokenEndpoint: env.TOKEN_ENDPOINT ? readHttpUrl(env, 'TOKEN_ENDPOINT', '') : undefined,
    jwksUri: env.JWKS_URI ? readHttpUrl(env, 'JWKS_URI', '') : undefined,
    databaseUrl,
    dataDir: env.DATA_DIR === '' ? undefined : (env.DATA_DIR ?? 'data'),
    redisUrl,
    tokenCacheEncryptionKey,
    planTimeoutMs,
    pendingGraceMs,
    logLevel: readLogLevel(env),
  }
}

/** A base URL that is an origin: no credentials, path, query or fragment (tokens go to it). */
function readOrigin(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const url = new URL(readHttpUrl(env, name, fallback))
  if (
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw new ConfigError(
      name,
      `must be an origin such as http://localhost:7001, got ${JSON.stringify(env[name])}`,
    )
  }
  return url.origin
}

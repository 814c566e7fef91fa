import type { KeyObject } from 'node:crypto'
import {
  type ClientAssertionAlgorithm,
  type DpopKey,
  decodeTokenEncryptionKey,
  isClientAssertionAlgorithm,
  readClientAssertionKey,
} from '@m2m/auth/token'
import {
  ConfigError,
  isLoopbackHost,
  readHttpUrl,
  readInteger,
  readIssuer,
  readLogLevel,
} from '@m2m/service-kit'
import {
  readPackageVersion,
  readTelemetryConfig,
  type TelemetryConfig,
} from '@m2m/service-kit/telemetry'
import { readDpopKey } from './dpop-config.js'

/** The service's configuration; `loadConfig` is the only reader of `process.env`. */
export interface GiftDeliveriesConfig {
  port: number
  host: string
  /** The token issuer, ending with `/`. */
  issuer: string
  audience: string
  clientId: string
  /** How this service proves itself to the tenant: its secret, or a key that signs assertions. */
  clientAuth: ClientAuth
  /** DPoP (AUTH0_DPOP): the key world-mappers tokens are bound to; bearer tokens when undefined. */
  dpopKey: DpopKey | undefined
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
  /** OpenTelemetry: service name, OTLP endpoints (none by default: `/metrics` only). */
  telemetry: TelemetryConfig
}

// LOCAL-ONLY credentials of the dev tenant's "Gift Deliveries" client
// (apps/auth-server/tenants/dev/keywords.json, .env.example): used only when
// the issuer is the local tenant on loopback and none are given.
const DEV_CLIENT_ID = 'gift-deliveries-dev'
const DEV_CLIENT_SECRET = '0C7N_4uvLn3CEhJMiHBIDxeRm8hfca3jOqRTf7HS748'

export { ConfigError }

/** A client secret, or private_key_jwt: a private key (never a secret on the wire). */
export type ClientAuth =
  | { clientSecret: string }
  | {
      clientAssertionSigningKey: KeyObject
      clientAssertionSigningAlg?: ClientAssertionAlgorithm
      clientAssertionKeyId?: string
    }

/**
 * AUTH0_CLIENT_ASSERTION_SIGNING_KEY (a PEM file) instead of AUTH0_CLIENT_SECRET; with the key,
 * AUTH0_CLIENT_ASSERTION_SIGNING_ALG and AUTH0_CLIENT_ASSERTION_KEY_ID (the credential's kid).
 */
function readClientAuth(env: NodeJS.ProcessEnv, devSecret: string | undefined): ClientAuth {
  const keyPath = env.AUTH0_CLIENT_ASSERTION_SIGNING_KEY || undefined
  if (keyPath === undefined) {
    for (const name of ['AUTH0_CLIENT_ASSERTION_SIGNING_ALG', 'AUTH0_CLIENT_ASSERTION_KEY_ID']) {
      if (env[name]) throw new ConfigError(name, 'needs AUTH0_CLIENT_ASSERTION_SIGNING_KEY')
    }
    const clientSecret = env.AUTH0_CLIENT_SECRET || devSecret
    if (!clientSecret) {
      throw new ConfigError(
        'AUTH0_CLIENT_SECRET',
        'is required (the M2M client secret), or AUTH0_CLIENT_ASSERTION_SIGNING_KEY (a private key file)',
      )
    }
    return { clientSecret }
  }
  if (env.AUTH0_CLIENT_SECRET) {
    throw new ConfigError(
      'AUTH0_CLIENT_SECRET',
      'must not be set with AUTH0_CLIENT_ASSERTION_SIGNING_KEY: give one way to authenticate',
    )
  }
  let key: KeyObject
  try {
    key = readClientAssertionKey(keyPath, 'AUTH0_CLIENT_ASSERTION_SIGNING_KEY')
  } catch (error) {
    throw new ConfigError(
      'AUTH0_CLIENT_ASSERTION_SIGNING_KEY',
      (error as Error).message.replace(/^AUTH0_CLIENT_ASSERTION_SIGNING_KEY:? ?/, ''),
    )
  }
  const alg = env.AUTH0_CLIENT_ASSERTION_SIGNING_ALG || undefined
  if (alg !== undefined && !isClientAssertionAlgorithm(alg)) {
    throw new ConfigError('AUTH0_CLIENT_ASSERTION_SIGNING_ALG', 'must be RS256, RS384 or PS256')
  }
  const keyId = env.AUTH0_CLIENT_ASSERTION_KEY_ID || undefined
  return {
    clientAssertionSigningKey: key,
    ...(alg ? { clientAssertionSigningAlg: alg } : {}),
    ...(keyId ? { clientAssertionKeyId: keyId } : {}),
  }
}

/** Reads and validates the environment; a wrong or missing value throws a `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GiftDeliveriesConfig {
  const port = readInteger(env, 'PORT', 3000)
  const issuer = readIssuer(env, 'http://localhost:4000/')
  const issuerUrl = new URL(issuer)
  const local = issuerUrl.protocol === 'http:' && isLoopbackHost(issuerUrl.hostname)
  const clientId = env.AUTH0_CLIENT_ID || (local ? DEV_CLIENT_ID : '')
  if (!clientId)
    throw new ConfigError('AUTH0_CLIENT_ID', 'is required (the M2M client of this service)')
  // The dev secret belongs to the dev client: never sent for a client id given in the environment.
  const clientAuth = readClientAuth(
    env,
    local && clientId === DEV_CLIENT_ID ? DEV_CLIENT_SECRET : undefined,
  )
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
    clientAuth,
    dpopKey: readDpopKey(env),
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
    telemetry: readTelemetryConfig(env, {
      name: 'gift-deliveries',
      version: readPackageVersion(import.meta.url),
    }),
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

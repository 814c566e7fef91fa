import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

const devKey = new URL(
  '../../auth-server/tenants/dev/keys/gift-deliveries-secretless.private.pem',
  import.meta.url,
).pathname

describe('loadConfig', () => {
  it('defaults to the local stack, with the dev tenant client on loopback only', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      issuer: 'http://localhost:4000/',
      audience: 'urn:gift-deliveries',
      clientId: 'gift-deliveries-dev',
      clientAuth: { clientSecret: '0C7N_4uvLn3CEhJMiHBIDxeRm8hfca3jOqRTf7HS748' },
      dpopKey: undefined,
      worldMappersUrl: 'http://localhost:7001',
      worldMappersAudience: 'urn:worldmappers',
      tokenEndpoint: undefined,
      jwksUri: undefined,
      databaseUrl: undefined,
      dataDir: 'data',
      redisUrl: undefined,
      tokenCacheEncryptionKey: undefined,
      planTimeoutMs: 3_000,
      pendingGraceMs: 30_000,
      logLevel: 'info',
      telemetry: {
        serviceName: 'gift-deliveries',
        serviceVersion: '0.1.0',
        enabled: true,
        tracesEndpoint: undefined,
        metricsEndpoint: undefined,
        metricExportIntervalMs: 60_000,
      },
    })
  })

  it('pushes spans and metrics to OTEL_EXPORTER_OTLP_ENDPOINT when it is set', () => {
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }).telemetry,
    ).toMatchObject({
      tracesEndpoint: 'http://otel-collector:4318/v1/traces',
      metricsEndpoint: 'http://otel-collector:4318/v1/metrics',
    })
  })

  it('takes TOKEN_ENDPOINT and JWKS_URI for a tenant reached at a private address', () => {
    const config = loadConfig({
      TOKEN_ENDPOINT: 'http://auth-server:4000/oauth/token',
      JWKS_URI: 'http://auth-server:4000/.well-known/jwks.json',
    })
    expect(config.tokenEndpoint).toBe('http://auth-server:4000/oauth/token')
    expect(config.jwksUri).toBe('http://auth-server:4000/.well-known/jwks.json')
    expect(() => loadConfig({ TOKEN_ENDPOINT: 'auth-server/oauth/token' })).toThrow(
      'TOKEN_ENDPOINT: must be an http(s) URL',
    )
  })

  it('requires real credentials for a real tenant', () => {
    expect(() => loadConfig({ AUTH0_DOMAIN: 'tenant.auth0.com' })).toThrow(
      'AUTH0_CLIENT_ID: is required (the M2M client of this service)',
    )
    expect(() => loadConfig({ AUTH0_DOMAIN: 'tenant.auth0.com', AUTH0_CLIENT_ID: 'abc' })).toThrow(
      'AUTH0_CLIENT_SECRET: is required',
    )
    const config = loadConfig({
      AUTH0_DOMAIN: 'tenant.auth0.com',
      AUTH0_CLIENT_ID: 'abc',
      AUTH0_CLIENT_SECRET: 's',
    })
    expect(config.issuer).toBe('https://tenant.auth0.com/')
  })

  it('takes a private key instead of a secret (private_key_jwt), never both', () => {
    const config = loadConfig({
      AUTH0_CLIENT_ID: 'gift-deliveries-keyed-dev',
      AUTH0_CLIENT_ASSERTION_SIGNING_KEY: devKey,
      AUTH0_CLIENT_ASSERTION_SIGNING_ALG: 'PS256',
      AUTH0_CLIENT_ASSERTION_KEY_ID: 'kid-1',
    })
    expect(config.clientAuth).toMatchObject({
      clientAssertionSigningAlg: 'PS256',
      clientAssertionKeyId: 'kid-1',
    })
    expect(config.clientAuth).not.toHaveProperty('clientSecret')
    const key = (config.clientAuth as { clientAssertionSigningKey: { type: string } })
      .clientAssertionSigningKey
    expect(key.type).toBe('private')
    // The dev secret is the dev client's only: another client id on loopback needs its own.
    expect(() => loadConfig({ AUTH0_CLIENT_ID: 'someone-else' })).toThrow(
      'AUTH0_CLIENT_SECRET: is required',
    )
  })

  it('names the key file, never its content, when it is no private RSA key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-config-'))
    const publicOnly = join(dir, 'public.pem')
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    writeFileSync(publicOnly, publicKey.export({ type: 'spki', format: 'pem' }))
    const ec = join(dir, 'ec.pem')
    const ecPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    writeFileSync(ec, ecPem)
    for (const path of [publicOnly, ec, join(dir, 'missing.pem')]) {
      let message = ''
      try {
        loadConfig({ AUTH0_CLIENT_ID: 'x', AUTH0_CLIENT_ASSERTION_SIGNING_KEY: path })
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError)
        message = (error as Error).message
      }
      expect(message).toMatch(/^AUTH0_CLIENT_ASSERTION_SIGNING_KEY: /)
      expect(message).toContain(path)
      expect(message).not.toContain('BEGIN')
    }
  })

  const wrong: Array<[Record<string, string>, string]> = [
    [{ PORT: 'x' }, 'PORT: must be an integer'],
    [{ ISSUER_BASE_URL: 'nope' }, 'ISSUER_BASE_URL: must be an http(s) URL'],
    [{ WORLD_MAPPERS_URL: 'ftp://x' }, 'WORLD_MAPPERS_URL: must be an http(s) URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [
      { AUTH0_DOMAIN: 'a.b', ISSUER_BASE_URL: 'https://a.b/' },
      'AUTH0_DOMAIN: give ISSUER_BASE_URL or AUTH0_DOMAIN, not both',
    ],
    [{ LOG_LEVEL: 'x' }, 'LOG_LEVEL: must be one of'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL: must be a redis:// or rediss:// URL'],
    [
      { REDIS_URL: 'redis://127.0.0.1:6379' },
      'TOKEN_CACHE_ENCRYPTION_KEY: is required with REDIS_URL',
    ],
    [
      { REDIS_URL: 'redis://127.0.0.1:6379', TOKEN_CACHE_ENCRYPTION_KEY: 'hunter2' },
      'TOKEN_CACHE_ENCRYPTION_KEY: must be 32 random bytes',
    ],
    [{ PENDING_GRACE_MS: '500' }, 'PENDING_GRACE_MS: must be an integer from 10000'],
    [{ PLAN_TIMEOUT_MS: '0' }, 'PLAN_TIMEOUT_MS: must be an integer from 1'],
    [
      { AUTH0_CLIENT_SECRET: 's', AUTH0_CLIENT_ASSERTION_SIGNING_KEY: devKey },
      'AUTH0_CLIENT_SECRET: must not be set with AUTH0_CLIENT_ASSERTION_SIGNING_KEY',
    ],
    [
      { AUTH0_CLIENT_ASSERTION_SIGNING_KEY: devKey, AUTH0_CLIENT_ASSERTION_SIGNING_ALG: 'HS256' },
      'AUTH0_CLIENT_ASSERTION_SIGNING_ALG: must be RS256, RS384 or PS256',
    ],
    [
      { AUTH0_CLIENT_ASSERTION_KEY_ID: 'k' },
      'AUTH0_CLIENT_ASSERTION_KEY_ID: needs AUTH0_CLIENT_ASSERTION_SIGNING_KEY',
    ],
    [{ AUTH0_DPOP: 'yes' }, 'AUTH0_DPOP: must be 1/true or 0/false'],
    [{ AUTH0_DPOP_KEY: devKey }, 'AUTH0_DPOP_KEY: needs AUTH0_DPOP=true'],
    [{ AUTH0_DPOP: 'true', AUTH0_DPOP_ALG: 'HS256' }, 'AUTH0_DPOP_ALG: must be one of ES256'],
    [
      { AUTH0_DPOP: 'true', AUTH0_DPOP_KEY: '/nonexistent/dpop.pem' },
      'AUTH0_DPOP_KEY: cannot read /nonexistent/dpop.pem (ENOENT)',
    ],
    // The dev key is RSA: not a key for ES256, the default algorithm.
    [{ AUTH0_DPOP: 'true', AUTH0_DPOP_KEY: devKey }, 'is not a private key for ES256'],
  ]
  for (const [env, message] of wrong) {
    it(`stops on ${JSON.stringify(env)}, naming the variable`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      expect(() => loadConfig(env)).toThrow(message)
    })
  }
})

describe('AUTH0_DPOP', () => {
  it('binds tokens to a key made at start (ES256), or to a shared key file replicas hold alike', () => {
    const made = loadConfig({ AUTH0_DPOP: 'true' }).dpopKey
    expect(made?.alg).toBe('ES256')
    expect(loadConfig({ AUTH0_DPOP: 'true' }).dpopKey?.jkt).not.toBe(made?.jkt)
    const dir = mkdtempSync(join(tmpdir(), 'gd-dpop-'))
    const file = join(dir, 'dpop.pem')
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const [a, b] = [1, 2].map(() => loadConfig({ AUTH0_DPOP: '1', AUTH0_DPOP_KEY: file }).dpopKey)
    expect(a?.jkt).toBe(b?.jkt)
    const rsa = loadConfig({ AUTH0_DPOP: 'true', AUTH0_DPOP_KEY: devKey, AUTH0_DPOP_ALG: 'PS256' })
    expect(rsa.dpopKey?.alg).toBe('PS256')
    expect(JSON.stringify(rsa)).not.toMatch(/PRIVATE|"d":/)
  })
})

describe('REDIS_URL', () => {
  it('selects the Redis token cache with its encryption key (hex or base64)', () => {
    const key = Buffer.alloc(32, 7)
    for (const text of [key.toString('hex'), key.toString('base64')]) {
      const config = loadConfig({
        REDIS_URL: 'redis://redis:6379/0',
        TOKEN_CACHE_ENCRYPTION_KEY: text,
      })
      expect(config.redisUrl).toBe('redis://redis:6379/0')
      expect(config.tokenCacheEncryptionKey).toEqual(key)
    }
  })

  it('never echoes the key in an error', () => {
    const bad = 'x'.repeat(40)
    expect(() =>
      loadConfig({ REDIS_URL: 'redis://r:6379', TOKEN_CACHE_ENCRYPTION_KEY: bad }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining(bad) }))
  })
})

describe('WORLD_MAPPERS_URL', () => {
  it('must be an origin: tokens go to it', () => {
    expect(loadConfig({ WORLD_MAPPERS_URL: 'http://mappers.internal:7001/' }).worldMappersUrl).toBe(
      'http://mappers.internal:7001',
    )
    for (const bad of ['http://u:p@mappers:7001', 'http://mappers/api', 'http://mappers/?x=1']) {
      expect(() => loadConfig({ WORLD_MAPPERS_URL: bad })).toThrow(
        'WORLD_MAPPERS_URL: must be an origin',
      )
    }
  })
})

import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('defaults to the local stack, with the dev tenant client on loopback only', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      issuer: 'http://localhost:4000/',
      audience: 'urn:gift-deliveries',
      clientId: 'gift-deliveries-dev',
      clientSecret: '0C7N_4uvLn3CEhJMiHBIDxeRm8hfca3jOqRTf7HS748',
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
  ]
  for (const [env, message] of wrong) {
    it(`stops on ${JSON.stringify(env)}, naming the variable`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      expect(() => loadConfig(env)).toThrow(message)
    })
  }
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

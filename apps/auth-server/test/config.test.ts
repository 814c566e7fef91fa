import { describe, expect, it } from 'vitest'
import { ConfigError, devTenantFile, loadConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      issuer: 'http://localhost:4000/',
      tenantFile: devTenantFile,
      dataDir: 'data',
      keywordMappings: {},
      testControls: false,
      logLevel: 'info',
      rateLimit: { perSecond: 30, burst: 30 },
      ipRateLimit: { perSecond: 100, burst: 100 },
      managementRateLimit: { perSecond: 2, burst: 10 },
      dpopRequireNonce: false,
      dashboard: { enabled: true, allowRemote: false },
      telemetry: {
        serviceName: 'auth-server',
        serviceVersion: '0.1.0',
        enabled: true,
        tracesEndpoint: undefined,
        metricsEndpoint: undefined,
        metricExportIntervalMs: 60_000,
      },
    })
  })

  it('reads the dashboard settings', () => {
    expect(
      loadConfig({
        DASHBOARD: 'on',
        DASHBOARD_PASSWORD: 'a long enough one',
        DASHBOARD_ALLOW_REMOTE: 'true',
      }).dashboard,
    ).toEqual({ enabled: true, password: 'a long enough one', allowRemote: true })
    expect(loadConfig({ DASHBOARD: 'off' }).dashboard.enabled).toBe(false)
    expect(loadConfig({ DASHBOARD_PASSWORD: '' }).dashboard).toEqual({
      enabled: true,
      allowRemote: false,
    })
  })

  it('reads DPOP_REQUIRE_NONCE as a flag', () => {
    expect(loadConfig({ DPOP_REQUIRE_NONCE: '1' }).dpopRequireNonce).toBe(true)
    expect(() => loadConfig({ DPOP_REQUIRE_NONCE: 'yes' })).toThrow(
      'DPOP_REQUIRE_NONCE: must be 1/true or 0/false, got "yes"',
    )
  })

  it('derives the issuer from PORT and always ends it with a slash', () => {
    expect(loadConfig({ PORT: '4100' }).issuer).toBe('http://localhost:4100/')
    expect(loadConfig({ ISSUER_BASE_URL: 'https://auth.example.com' }).issuer).toBe(
      'https://auth.example.com/',
    )
  })

  it('reads the keyword mappings as a JSON object', () => {
    expect(
      loadConfig({ AUTH0_KEYWORD_REPLACE_MAPPINGS: '{"A":"b","L":["x"]}' }).keywordMappings,
    ).toEqual({
      A: 'b',
      L: ['x'],
    })
  })

  const wrong: Array<[Record<string, string>, string]> = [
    [{ PORT: 'http' }, 'PORT: must be an integer from 0 to 65535, got "http"'],
    [{ PORT: '70000' }, 'PORT: must be an integer from 0 to 65535, got "70000"'],
    [
      { ISSUER_BASE_URL: 'auth.example.com' },
      'ISSUER_BASE_URL: must be an http(s) URL, got "auth.example.com"',
    ],
    [{ ISSUER_BASE_URL: 'ftp://x/' }, 'ISSUER_BASE_URL: must be an http(s) URL, got "ftp://x/"'],
    [
      { AUTH0_KEYWORD_REPLACE_MAPPINGS: '{nope' },
      'AUTH0_KEYWORD_REPLACE_MAPPINGS: must be a JSON object, and is not JSON',
    ],
    [
      { AUTH0_KEYWORD_REPLACE_MAPPINGS: '[1]' },
      'AUTH0_KEYWORD_REPLACE_MAPPINGS: must be a JSON object',
    ],
    [
      { AUTH_SERVER_TEST_CONTROLS: 'yes' },
      'AUTH_SERVER_TEST_CONTROLS: must be 1/true or 0/false, got "yes"',
    ],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ DASHBOARD: 'yes' }, 'DASHBOARD: must be on or off, got "yes"'],
    [{ DASHBOARD_PASSWORD: 'short' }, 'DASHBOARD_PASSWORD: must be at least 12 characters long'],
    [
      { TOKEN_RATE_LIMIT_BURST: '0' },
      'TOKEN_RATE_LIMIT_BURST: must be an integer from 1 to 1000000, got "0"',
    ],
  ]
  for (const [env, message] of wrong) {
    it(`stops on ${Object.keys(env)[0]}=${Object.values(env)[0]}, naming the variable`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      expect(() => loadConfig(env)).toThrow(message)
    })
  }
})

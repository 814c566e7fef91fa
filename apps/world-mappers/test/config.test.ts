import { describe, expect, it } from 'vitest'
import { ConfigError, devPlacesFile, loadConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('defaults to the local tenant and the dev places', () => {
    expect(loadConfig({})).toEqual({
      port: 7001,
      host: '127.0.0.1',
      issuer: 'http://localhost:4000/',
      audience: 'urn:worldmappers',
      jwksUri: undefined,
      placesFile: devPlacesFile,
      depot: 'North Pole Depot',
      logLevel: 'info',
      dpopMode: 'allowed',
      telemetry: {
        serviceName: 'world-mappers',
        serviceVersion: '0.1.0',
        enabled: true,
        tracesEndpoint: undefined,
        metricsEndpoint: undefined,
        metricExportIntervalMs: 60_000,
      },
    })
  })

  it('reads the OpenTelemetry variables', () => {
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        OTEL_SERVICE_NAME: 'maps',
      }).telemetry,
    ).toMatchObject({
      serviceName: 'maps',
      tracesEndpoint: 'http://otel-collector:4318/v1/traces',
      metricsEndpoint: 'http://otel-collector:4318/v1/metrics',
    })
    expect(() => loadConfig({ OTEL_SDK_DISABLED: 'maybe' })).toThrow('OTEL_SDK_DISABLED:')
  })

  it('turns AUTH0_DOMAIN into https://<domain>/', () => {
    expect(loadConfig({ AUTH0_DOMAIN: 'tenant.auth0.com' }).issuer).toBe(
      'https://tenant.auth0.com/',
    )
  })

  it('adds the trailing slash Auth0 issuers have', () => {
    expect(loadConfig({ ISSUER_BASE_URL: 'https://tenant.auth0.com' }).issuer).toBe(
      'https://tenant.auth0.com/',
    )
  })

  it('takes JWKS_URI for keys served at a private address', () => {
    expect(loadConfig({ JWKS_URI: 'http://auth-server:4000/.well-known/jwks.json' }).jwksUri).toBe(
      'http://auth-server:4000/.well-known/jwks.json',
    )
  })

  it('lets PLACES_FILE be turned off with an empty value', () => {
    expect(loadConfig({ PLACES_FILE: '' }).placesFile).toBeUndefined()
  })

  const wrong: Array<[Record<string, string>, string]> = [
    [{ PORT: 'seven' }, 'PORT: must be an integer from 0 to 65535, got "seven"'],
    [
      { ISSUER_BASE_URL: 'tenant.auth0.com' },
      'ISSUER_BASE_URL: must be an http(s) URL, got "tenant.auth0.com"',
    ],
    [
      { AUTH0_DOMAIN: 'https://tenant.auth0.com/' },
      'AUTH0_DOMAIN: must be a host name such as tenant.auth0.com',
    ],
    [
      { AUTH0_DOMAIN: 'a.auth0.com', ISSUER_BASE_URL: 'https://a.auth0.com/' },
      'AUTH0_DOMAIN: give ISSUER_BASE_URL or AUTH0_DOMAIN, not both',
    ],
    [{ LOG_LEVEL: 'chatty' }, 'LOG_LEVEL: must be one of'],
    [{ JWKS_URI: 'auth-server/jwks' }, 'JWKS_URI: must be an http(s) URL, got "auth-server/jwks"'],
  ]
  for (const [env, message] of wrong) {
    it(`stops on ${JSON.stringify(env)}, naming the variable`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      expect(() => loadConfig(env)).toThrow(message)
    })
  }
})

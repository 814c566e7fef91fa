import { describe, expect, it } from 'vitest'
import { ConfigError } from '../src/index.js'
import { readPackageVersion, readTelemetryConfig } from '../src/telemetry/index.js'

const service = { name: 'world-mappers', version: '0.1.0' }

describe('readTelemetryConfig', () => {
  it('pushes nothing by default: no OTLP endpoint, tracing on, the service’s own name', () => {
    expect(readTelemetryConfig({}, service)).toEqual({
      serviceName: 'world-mappers',
      serviceVersion: '0.1.0',
      enabled: true,
      tracesEndpoint: undefined,
      metricsEndpoint: undefined,
      metricExportIntervalMs: 60_000,
    })
  })

  const cases: Array<[string, Record<string, string>, Record<string, unknown>]> = [
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT: both signals under it',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' },
      {
        tracesEndpoint: 'http://otel-collector:4318/v1/traces',
        metricsEndpoint: 'http://otel-collector:4318/v1/metrics',
      },
    ],
    [
      'a trailing slash on the base',
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/otlp/' },
      {
        tracesEndpoint: 'http://collector:4318/otlp/v1/traces',
        metricsEndpoint: 'http://collector:4318/otlp/v1/metrics',
      },
    ],
    [
      'a signal’s own endpoint, used as is',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest',
      },
      {
        tracesEndpoint: 'https://traces.example/ingest',
        metricsEndpoint: 'http://collector:4318/v1/metrics',
      },
    ],
    [
      'metrics only',
      { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://collector:4318/v1/metrics' },
      { tracesEndpoint: undefined, metricsEndpoint: 'http://collector:4318/v1/metrics' },
    ],
    [
      'OTEL_SDK_DISABLED=true: nothing pushed, whatever the endpoints',
      { OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      { enabled: false, tracesEndpoint: undefined, metricsEndpoint: undefined },
    ],
    ['OTEL_SDK_DISABLED=false', { OTEL_SDK_DISABLED: 'false' }, { enabled: true }],
    ['an empty endpoint is unset (compose)', { OTEL_EXPORTER_OTLP_ENDPOINT: '' }, {}],
    ['OTEL_SERVICE_NAME', { OTEL_SERVICE_NAME: 'maps-eu' }, { serviceName: 'maps-eu' }],
    [
      'OTEL_METRIC_EXPORT_INTERVAL',
      { OTEL_METRIC_EXPORT_INTERVAL: '15000' },
      { metricExportIntervalMs: 15_000 },
    ],
  ]
  for (const [name, env, expected] of cases) {
    it(name, () => {
      expect(readTelemetryConfig(env, service)).toMatchObject(expected)
    })
  }

  const wrong: Array<[Record<string, string>, string]> = [
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' },
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL',
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' },
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http(s) URL',
    ],
    [{ OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED: must be true or false, got "yes"'],
    [{ OTEL_METRIC_EXPORT_INTERVAL: '10' }, 'OTEL_METRIC_EXPORT_INTERVAL: must be an integer from'],
  ]
  for (const [env, message] of wrong) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      expect(() => readTelemetryConfig(env, service)).toThrow(ConfigError)
      expect(() => readTelemetryConfig(env, service)).toThrow(message)
    })
  }
})

it('readPackageVersion reads the package.json above the module’s folder', () => {
  expect(readPackageVersion(new URL('../src/index.ts', import.meta.url).href)).toBe('0.1.0')
  expect(readPackageVersion('file:///nowhere/src/x.js')).toBeUndefined()
})

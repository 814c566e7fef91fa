import { readFileSync } from 'node:fs'
import { ConfigError, readHttpUrl, readInteger } from '../env.js'

/** What a service's telemetry is told by the environment (see `readTelemetryConfig`). */
export interface TelemetryConfig {
  /** `service.name` of its spans and metrics: `OTEL_SERVICE_NAME`, else the service's own name. */
  serviceName: string
  /** `service.version`, the service's package version. */
  serviceVersion: string | undefined
  /** False with `OTEL_SDK_DISABLED=true`: no spans, nothing pushed (`/metrics` still answers). */
  enabled: boolean
  /** Where spans go (OTLP/HTTP); none: spans are not exported. */
  tracesEndpoint: string | undefined
  /** Where metrics are pushed (OTLP/HTTP) besides `/metrics`; none: pull only. */
  metricsEndpoint: string | undefined
  /** Milliseconds between two pushes of the metrics. */
  metricExportIntervalMs: number
}

/** The variables `readTelemetryConfig` reads (the compose test checks services are given no others). */
export const TELEMETRY_VARIABLES = [
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_METRIC_EXPORT_INTERVAL',
] as const

/**
 * The OpenTelemetry variables of the specification that a service honours:
 * - `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's OTLP/HTTP base URL (e.g.
 *   `http://otel-collector:4318`); spans go to `<base>/v1/traces`, metrics to
 *   `<base>/v1/metrics`. `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and
 *   `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` are full URLs for one signal. Unset
 *   (the default): nothing leaves the process; `/metrics` is for Prometheus.
 * - `OTEL_METRIC_EXPORT_INTERVAL`: ms between pushes, default 60,000.
 * - `OTEL_SERVICE_NAME`: instead of the service's own name.
 * - `OTEL_SDK_DISABLED=true`: no tracing at all and no OTLP push.
 * Other `OTEL_EXPORTER_OTLP_*` variables (headers, timeout, compression) and
 * `OTEL_TRACES_SAMPLER` are read by the SDK itself.
 */
export function readTelemetryConfig(
  env: NodeJS.ProcessEnv,
  service: { name: string; version?: string },
): TelemetryConfig {
  const enabled = !readTrue(env, 'OTEL_SDK_DISABLED')
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? readHttpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', '')
    : undefined
  const endpoint = (signal: 'traces' | 'metrics') => {
    const name = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`
    if (env[name]) return readHttpUrl(env, name, '')
    return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/${signal}`
  }
  const tracesEndpoint = endpoint('traces')
  const metricsEndpoint = endpoint('metrics')
  return {
    serviceName: env.OTEL_SERVICE_NAME || service.name,
    serviceVersion: service.version,
    enabled,
    tracesEndpoint: enabled ? tracesEndpoint : undefined,
    metricsEndpoint: enabled ? metricsEndpoint : undefined,
    metricExportIntervalMs: readInteger(
      env,
      'OTEL_METRIC_EXPORT_INTERVAL',
      60_000,
      1_000,
      3_600_000,
    ),
  }
}

/** `true` (any case) or `1`; unset, empty, `false` or `0` is false; anything else is an error. */
function readTrue(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase()
  if (raw === '' || raw === 'false' || raw === '0') return false
  if (raw === 'true' || raw === '1') return true
  throw new ConfigError(name, `must be true or false, got ${JSON.stringify(env[name])}`)
}

/**
 * The `version` of the package.json one level above `moduleUrl`'s folder
 * (`src/` in development, `dist/` when built), or undefined if unreadable.
 */
export function readPackageVersion(moduleUrl: string): string | undefined {
  try {
    const json = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8'))
    return typeof json.version === 'string' ? json.version : undefined
  } catch {
    return undefined
  }
}

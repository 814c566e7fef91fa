import {
  DataPointType,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics'

// The unit suffixes of the OpenTelemetry-to-Prometheus specification, as the
// OpenTelemetry Collector's Prometheus exporter adds them: the JavaScript
// exporter does not, and then `http.server.request.duration` (s) would be
// `http_server_request_duration` here but `http_server_request_duration_seconds`
// through the collector. Same names either way, so dashboards work with both.
const UNITS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
}
const PER_UNITS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
}

/**
 * The name a metric has in Prometheus minus `_total` (the serializer adds it):
 * dots and other characters Prometheus refuses become `_`, and the unit is
 * appended as a word unless the name already carries it (`s` -> `_seconds`,
 * `By` -> `_bytes`, `1` on a gauge -> `_ratio`, `{request}` -> nothing).
 */
export function prometheusBaseName(metric: Pick<MetricData, 'descriptor' | 'dataPointType'>) {
  const name = metric.descriptor.name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_{2,}/g, '_')
  const tokens = new Set(name.split('_'))
  const suffixes: string[] = []
  const unit = metric.descriptor.unit.replace(/\{[^}]*\}/g, '').trim()
  if (unit === '1') {
    if (metric.dataPointType === DataPointType.GAUGE) suffixes.push('ratio')
  } else if (unit !== '') {
    const [main = '', per] = unit.split('/', 2)
    const mainWord = UNITS[main] ?? clean(main)
    if (mainWord) suffixes.push(mainWord)
    const perWord = per === undefined ? undefined : (PER_UNITS[per] ?? clean(per))
    if (perWord) suffixes.push('per', perWord)
  }
  const missing = suffixes.filter((word) => !tokens.has(word))
  // `_seconds_total` stays whole: the unit goes before a `_total` already in the name.
  if (missing.length === 0) return name
  const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name
  const withUnit = `${base}_${missing.join('_')}`
  return base === name ? withUnit : `${withUnit}_total`
}

function clean(unit: string): string {
  return unit.replace(/[^a-zA-Z0-9]/g, '_').replace(/^_+|_+$/g, '')
}

/** The collected metrics, each under its Prometheus name (see `prometheusBaseName`). */
export function withPrometheusNames(collected: ResourceMetrics): ResourceMetrics {
  return {
    resource: collected.resource,
    scopeMetrics: collected.scopeMetrics.map(
      (scope): ScopeMetrics => ({
        scope: scope.scope,
        metrics: scope.metrics.map(
          (metric) =>
            ({
              ...metric,
              descriptor: { ...metric.descriptor, name: prometheusBaseName(metric) },
            }) as MetricData,
        ),
      }),
    ),
  }
}

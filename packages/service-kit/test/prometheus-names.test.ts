import { DataPointType } from '@opentelemetry/sdk-metrics'
import { expect, it } from 'vitest'
import { prometheusBaseName } from '../src/telemetry/index.js'

// As the OpenTelemetry Collector's Prometheus exporter names them (`_total` is the serializer's).
const cases: Array<[string, string, DataPointType, string]> = [
  [
    'http.server.request.duration',
    's',
    DataPointType.HISTOGRAM,
    'http_server_request_duration_seconds',
  ],
  [
    'world_mappers.request.duration',
    's',
    DataPointType.HISTOGRAM,
    'world_mappers_request_duration_seconds',
  ],
  ['process.memory.usage', 'By', DataPointType.SUM, 'process_memory_usage_bytes'],
  ['process.cpu.time', 's', DataPointType.SUM, 'process_cpu_time_seconds'],
  ['nodejs.eventloop.utilization', '1', DataPointType.GAUGE, 'nodejs_eventloop_utilization_ratio'],
  ['m2m.token.requests', '{request}', DataPointType.SUM, 'm2m_token_requests'],
  ['m2m.token.requests', '1', DataPointType.SUM, 'm2m_token_requests'],
  ['m2m_token_available', '', DataPointType.GAUGE, 'm2m_token_available'],
  ['already_in_seconds', 's', DataPointType.GAUGE, 'already_in_seconds'],
  ['process_cpu_seconds_total', 's', DataPointType.SUM, 'process_cpu_seconds_total'],
  ['retries_total', 's', DataPointType.SUM, 'retries_seconds_total'],
  ['throughput', 'By/s', DataPointType.GAUGE, 'throughput_bytes_per_second'],
  ['odd-name/with.chars', 'ms', DataPointType.HISTOGRAM, 'odd_name_with_chars_milliseconds'],
]
for (const [name, unit, dataPointType, expected] of cases) {
  it(`${name} (${unit || 'no unit'}) -> ${expected}`, () => {
    const descriptor = { name, unit, description: '', valueType: 1 }
    expect(prometheusBaseName({ descriptor, dataPointType })).toBe(expected)
  })
}

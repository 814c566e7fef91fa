import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import { trace } from '@opentelemetry/api'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createServiceTelemetry, type ServiceTelemetry } from '../src/telemetry/index.js'

// A stand-in collector: what arrives at its OTLP/HTTP paths, as JSON.
const received: Array<{ path: string; body: unknown }> = []
const collector = createServer(async (req: IncomingMessage, res) => {
  let text = ''
  for await (const chunk of req) text += chunk
  received.push({ path: req.url ?? '', body: JSON.parse(text) })
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
})
let telemetry: ServiceTelemetry

beforeAll(async () => {
  collector.listen(0, '127.0.0.1')
  await once(collector, 'listening')
  const base = `http://127.0.0.1:${(collector.address() as { port: number }).port}`
  // The first telemetry of this process: it registers tracing, with its exporter.
  telemetry = createServiceTelemetry({
    serviceName: 'otlp-test',
    tracesEndpoint: `${base}/v1/traces`,
    metricsEndpoint: `${base}/v1/metrics`,
    metricExportIntervalMs: 3_600_000,
    processMetrics: false,
  })
})
afterAll(async () => {
  collector.close()
})

it('pushes spans and metrics to the OTLP endpoints when configured, with the service name', async () => {
  trace.getTracer('otlp-test').startSpan('work').end()
  telemetry.meterProvider.getMeter('otlp-test').createCounter('otlp.test.things').add(2)
  telemetry.requestDurations.of('GET', '/things/:id').record(200, 0.02)
  await telemetry.shutdown()
  const text = (path: string) => JSON.stringify(received.filter((r) => r.path === path))
  expect(text('/v1/traces')).toContain('"name":"work"')
  expect(text('/v1/traces')).toContain('"stringValue":"otlp-test"')
  expect(text('/v1/metrics')).toContain('"name":"otlp.test.things"')
  expect(text('/v1/metrics')).toContain('"stringValue":"otlp-test"')
  // The request durations, aggregated outside the SDK, are pushed by the same reader.
  const metrics = JSON.parse(text('/v1/metrics')) as Array<{ body: OtlpMetrics }>
  const durations = metrics
    .flatMap((r) => r.body.resourceMetrics)
    .flatMap((r) => r.scopeMetrics)
    .flatMap((s) => s.metrics)
    .filter((m) => m.name === 'http.server.request.duration')
  expect(durations).toHaveLength(1)
  expect(durations[0]?.histogram).toMatchObject({
    aggregationTemporality: 2, // cumulative, the OTLP exporter's default
    dataPoints: [
      expect.objectContaining({
        count: 1,
        sum: 0.02,
        bucketCounts: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      }),
    ],
  })
})

interface OtlpMetrics {
  resourceMetrics: Array<{
    scopeMetrics: Array<{ metrics: Array<{ name: string; histogram?: unknown }> }>
  }>
}

it('pushes no metrics from an app without an OTLP endpoint (the default)', async () => {
  const before = received.length
  const quiet = createServiceTelemetry({ serviceName: 'quiet', processMetrics: false })
  quiet.meterProvider.getMeter('quiet').createCounter('quiet.things').add(1)
  await quiet.shutdown()
  expect(received.slice(before).filter((r) => r.path === '/v1/metrics')).toEqual([])
})

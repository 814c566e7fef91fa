import { createRequire } from 'node:module'
import type { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'

// Loaded only when an endpoint is configured: most runs push nothing, and the
// exporters (with their OTLP serializers) are a few MiB of RSS for nothing.
const require = createRequire(import.meta.url)

/** The OTLP/HTTP span exporter, to `url` (`…/v1/traces`). */
export function createOtlpTraceExporter(url: string): OTLPTraceExporter {
  const { OTLPTraceExporter: Exporter } = require('@opentelemetry/exporter-trace-otlp-http') as {
    OTLPTraceExporter: typeof OTLPTraceExporter
  }
  return new Exporter({ url })
}

/** The OTLP/HTTP metric exporter, to `url` (`…/v1/metrics`). */
export function createOtlpMetricExporter(url: string): OTLPMetricExporter {
  const { OTLPMetricExporter: Exporter } = require('@opentelemetry/exporter-metrics-otlp-http') as {
    OTLPMetricExporter: typeof OTLPMetricExporter
  }
  return new Exporter({ url })
}

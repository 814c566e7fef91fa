export { registerTelemetry } from './http-server.js'
export { observeProcess } from './process-metrics.js'
export { prometheusBaseName } from './prometheus-names.js'
export {
  createServiceTelemetry,
  type ServiceTelemetry,
  type ServiceTelemetryOptions,
  type TelemetryProviders,
} from './service-telemetry.js'
export {
  readPackageVersion,
  readTelemetryConfig,
  TELEMETRY_VARIABLES,
  type TelemetryConfig,
} from './telemetry-config.js'
export { flushTracing, registerTracing, type TracingOptions } from './tracing.js'

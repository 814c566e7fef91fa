import {
  type Meter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { InvalidOptionError } from '../errors.js'
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './names.js'

/**
 * The `telemetry` option of every component of this package. Both default to
 * the global providers of `@opentelemetry/api` (what an OpenTelemetry SDK
 * registers); with no SDK installed, recording does nothing.
 */
export interface TelemetryOptions {
  /** Where metrics go. Default: the global meter provider, read when the component is created. */
  meterProvider?: MeterProvider
  /** Where spans go. Default: the global tracer provider, read on each call. */
  tracerProvider?: TracerProvider
}

/** A component's view of the `telemetry` option, once validated. */
export interface Telemetry {
  /** The `@m2m/auth` meter: instruments are taken from it once, when the component is created. */
  readonly meter: Meter
  /**
   * The `@m2m/auth` tracer, or `undefined` while no tracer provider is
   * installed: then no span is started at all (not even a no-op one).
   */
  tracer(): Tracer | undefined
}

// What an unset ProxyTracerProvider delegates to: the API's no-op provider.
// ProxyTracerProvider is deprecated for the API's next major; until then it is
// what `trace.getTracerProvider()` returns, with or without an SDK.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate()

const KNOWN_KEYS = new Set(['meterProvider', 'tracerProvider'])

/**
 * Validates a `telemetry` option and resolves its providers. Throws
 * `InvalidOptionError` naming `name` (the option's path) when it is not an
 * object, has an unknown key, or a provider lacks `getMeter` / `getTracer`.
 */
export function resolveTelemetry(option: unknown, name = 'telemetry'): Telemetry {
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw new InvalidOptionError(`${name} must be an object`)
  }
  const { meterProvider, tracerProvider } = (option ?? {}) as TelemetryOptions
  for (const key of Object.keys(option ?? {})) {
    if (!KNOWN_KEYS.has(key)) {
      throw new InvalidOptionError(
        `${name} has an unknown option: ${key} (known: meterProvider, tracerProvider)`,
      )
    }
  }
  if (meterProvider !== undefined && !hasMethod(meterProvider, 'getMeter')) {
    throw new InvalidOptionError(`${name}.meterProvider must be a MeterProvider (getMeter)`)
  }
  if (tracerProvider !== undefined && !hasMethod(tracerProvider, 'getTracer')) {
    throw new InvalidOptionError(`${name}.tracerProvider must be a TracerProvider (getTracer)`)
  }
  const meter = (meterProvider ?? metrics.getMeterProvider()).getMeter(
    INSTRUMENTATION_SCOPE,
    INSTRUMENTATION_VERSION,
  )
  return Object.freeze({
    meter,
    tracer: installedTracer(tracerProvider, INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION),
  })
}

/**
 * The tracer of `given` (default: the global provider), or `undefined` while
 * no tracer provider is installed behind the API's proxy, checked per call:
 * the global provider may be registered after the component is created (and,
 * in tests, replaced). The check is a global read and a comparison; the
 * tracer itself is taken once per provider. A caller skips the span
 * altogether, not even a no-op one, when it gets `undefined`.
 */
export function installedTracer(
  given: TracerProvider | undefined,
  scope: string,
  version?: string,
): () => Tracer | undefined {
  if (given !== undefined && !(given instanceof ProxyTracerProvider)) {
    const tracer = given.getTracer(scope, version)
    return () => tracer
  }
  let provider: TracerProvider | undefined
  let tracer: Tracer | undefined
  return () => {
    const current = given ?? trace.getTracerProvider()
    if (current instanceof ProxyTracerProvider && current.getDelegate() === NOOP_TRACER_PROVIDER) {
      return undefined
    }
    if (current !== provider) {
      provider = current
      tracer = current.getTracer(scope, version)
    }
    return tracer
  }
}

function hasMethod(value: unknown, method: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === 'function'
  )
}

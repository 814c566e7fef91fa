import type { Meter } from '@opentelemetry/api'

/**
 * `create` called once per meter, its result kept while the meter lives:
 * every provider or verifier on one meter shares its instruments.
 */
export function perMeter<T>(create: (meter: Meter) => T): (meter: Meter) => T {
  const made = new WeakMap<Meter, T>()
  return (meter) => {
    let value = made.get(meter)
    if (value === undefined) {
      value = create(meter)
      made.set(meter, value)
    }
    return value
  }
}

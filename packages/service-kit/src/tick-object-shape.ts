import { createHook } from 'node:async_hooks'

/** The queue entry of one `process.nextTick` call, held for the life of the process. */
let held: object | undefined

/**
 * Holds one of the objects `process.nextTick` queues (Node's `TickObject`),
 * so that V8 keeps their hidden class (map) for the life of the process.
 *
 * Why: Node builds that object with an object literal whose first keys are
 * computed (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback,
 * args }`). When no such object is alive, a full garbage collection may drop
 * the maps those keys transition to, and the next `nextTick` makes new ones.
 * The literal's inline caches count every new map: after four, they are
 * megamorphic for good, and every `nextTick` inlined into Node's stream and
 * HTTP code calls out to the V8 runtime three times
 * (`Runtime_DefineKeyedOwnPropertyInLiteral`, about 1,300 instructions each).
 * A service whose start-up collects often while little else runs (world-mappers
 * building its place index) got there: 27 such calls per request, a quarter of
 * its instructions (`pnpm --filter @m2m/bench instruction-census`). One held
 * entry keeps the whole chain of maps alive, and the caches stay monomorphic.
 *
 * The async hook is enabled only for the one `nextTick` made here. Idempotent;
 * call it first thing in a service's `main`. Returns the held entry.
 */
export function holdTickObjectShape(): object {
  if (held !== undefined) return held
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && held === undefined) held = resource
    },
  })
  hook.enable()
  try {
    process.nextTick(() => {})
  } finally {
    hook.disable()
  }
  if (held === undefined) throw new Error('process.nextTick queued no TickObject')
  return held
}

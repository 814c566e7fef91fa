import { setImmediate } from 'node:timers'

// Taken once, here: fake timers installed later (a test's `vi.useFakeTimers()`)
// replace the global and the `timers` module's property, not this reference.
const afterIo = setImmediate

/**
 * Wraps a synchronous function so that the calls made during one turn of the
 * event loop run back to back, in order, in its check phase (`setImmediate`),
 * instead of one by one between the HTTP work of each request.
 *
 * For the public-key operations that are most of what a request costs: the
 * tenant's RS256 signature, a DPoP proof's signature check. Run one after
 * another they cost less CPU than each between other requests' HTTP work
 * (bench README, "the batched floor": an RS256 signature cost 1.23× the raw
 * loop's between requests, 1.07× in a turn's batch). The requests that
 * arrived together are parsed together and answered together.
 *
 * - `fn` must be synchronous; a call that throws rejects its own promise only.
 * - `fn` runs in the async context of the turn's first caller (its
 *   AsyncLocalStorage store, its OpenTelemetry span), whoever asked.
 * - A batch holds whatever one turn asked for: no bound of its own.
 */
export function batchPerTurn<I, O>(fn: (input: I) => O): (input: I) => Promise<O> {
  let queue: Array<{ input: I; resolve: (output: O) => void; reject: (error: unknown) => void }> =
    []

  function flush(): void {
    const jobs = queue
    queue = []
    for (const job of jobs) {
      try {
        job.resolve(fn(job.input))
      } catch (error) {
        job.reject(error)
      }
    }
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      if (queue.length === 0) afterIo(flush)
      queue.push({ input, resolve, reject })
    })
}

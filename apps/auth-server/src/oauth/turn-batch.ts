/**
 * Wraps a synchronous function so that the calls made during one turn of the
 * event loop run back to back, in order, in its check phase (`setImmediate`),
 * instead of one by one between the HTTP work of each request.
 *
 * The token endpoint uses it for the RS256 signature, which is most of what a
 * token costs: signed in a row, the RSA code and key stay hot in the CPU
 * caches, and the requests that arrived together are parsed together and
 * answered together. A call that throws rejects its own promise only.
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
      if (queue.length === 0) setImmediate(flush)
      queue.push({ input, resolve, reject })
    })
}

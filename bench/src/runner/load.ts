import type { FreshSpec, LoadJob, LoadResult } from '../load/load-job.js'
import type { PairedSettings, PairedWindows } from './paired-windows.js'
import { benchScript } from './paths.js'
import { isMessage, startReadyChild } from './processes.js'
import type { TickTarget } from './tick-load.js'

export interface LoadGenerator {
  run(job: LoadJob): Promise<LoadResult>
  /**
   * Fills the pool `spec.pool` with values for `seconds` of load at the rate
   * measured so far (see `FreshSpec`), on the load core, before the runs that
   * send them: how many it made and how long that took.
   */
  prepare(spec: FreshSpec, seconds: number): Promise<{ made: number; ms: number }>
  /** Two servers loaded at once from the load core, window by window (`measurePaired`). */
  paired(
    targets: [TickTarget, TickTarget],
    authorizations: readonly string[],
    settings: PairedSettings,
  ): Promise<PairedWindows>
  stop(): Promise<void>
}

/** The autocannon process (pinned to the load core), one job at a time. */
export async function startLoadGenerator(): Promise<LoadGenerator> {
  const { child } = await startReadyChild({
    name: 'load',
    script: benchScript('load/load-worker.ts'),
    role: 'load',
  })
  let nextId = 0
  let queue = Promise.resolve()

  /** Sends one request to the worker once the previous ones are answered. */
  function ask<T>(message: Record<string, unknown>, timeoutMs: number, key: string): Promise<T> {
    const id = nextId++
    const result = queue.then(async () => {
      const answer = child.nextMessage(
        (m): m is Record<string, unknown> =>
          isMessage(m, 'result') && (m as { id?: number }).id === id,
        timeoutMs,
      )
      child.send({ ...message, id })
      const reply = await answer
      const value = reply[key]
      if (value === undefined) throw new Error(`load generator: ${String(reply.error)}`)
      return value as T
    })
    queue = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }

  return {
    run: (job) =>
      ask<LoadResult>(
        { type: 'job', job },
        (job.warmupSeconds + job.durationSeconds) * 1000 + (job.amount ? 300_000 : 60_000),
        'result',
      ),
    prepare: (spec, seconds) =>
      ask<{ made: number; ms: number }>({ type: 'prepare', spec, seconds }, 600_000, 'prepared'),
    paired: (targets, authorizations, settings) =>
      ask<PairedWindows>(
        { type: 'paired', targets, authorizations, settings },
        (settings.warmUpSeconds + settings.windows * (settings.seconds + 2)) * 1000 + 60_000,
        'paired',
      ),
    stop: () => child.stop(),
  }
}

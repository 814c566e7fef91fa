import type { LoadJob, LoadResult } from '../load/load-job.js'
import { benchScript } from './paths.js'
import { isMessage, startReadyChild } from './processes.js'

export interface LoadGenerator {
  run(job: LoadJob): Promise<LoadResult>
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

  return {
    run(job) {
      const id = nextId++
      const result = queue.then(async () => {
        const answer = child.nextMessage(
          (m): m is { type: 'result'; id: number; result?: LoadResult; error?: string } =>
            isMessage(m, 'result') && (m as { id?: number }).id === id,
          (job.warmupSeconds + job.durationSeconds) * 1000 + (job.amount ? 300_000 : 60_000),
        )
        child.send({ type: 'job', id, job })
        const { result, error } = await answer
        if (!result) throw new Error(`load generator: ${error}`)
        return result
      })
      queue = result.then(
        () => undefined,
        () => undefined,
      )
      return result
    },
    stop: () => child.stop(),
  }
}

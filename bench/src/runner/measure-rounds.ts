import type { LoadJob } from '../load/load-job.js'
import { roundOrder } from './rounds.js'
import type { BenchContext } from './types.js'

/** One side of a comparison: a server under load and how to read its CPU time (µs). */
export interface Side<Id extends string = string> {
  id: Id
  job: Omit<LoadJob, 'durationSeconds' | 'warmupSeconds'>
  cpuMicros(): Promise<number>
}

/** One side's figures, one entry per round. */
export interface SideRounds {
  requestsPerSecond: number[]
  cpuMicrosPerRequest: number[]
  p99: number[]
}

/**
 * Measures `sides` in `settings.rounds` alternating rounds of
 * `settings.durationSeconds` each (warm-ups are the caller's). A side whose
 * load run fails or answers anything but 2xx is left out from then on, with
 * the reason in `problems`.
 */
export async function measureRounds<Id extends string>(
  context: BenchContext,
  sides: readonly Side<Id>[],
): Promise<{ rounds: Partial<Record<Id, SideRounds>>; problems: Map<Id, string> }> {
  const { settings, load, log } = context
  const rounds: Partial<Record<Id, SideRounds>> = {}
  const problems = new Map<Id, string>()
  for (let round = 0; round < settings.rounds; round++) {
    log(`  round ${round + 1}/${settings.rounds}`)
    for (const side of roundOrder(sides, round)) {
      if (problems.has(side.id)) continue
      try {
        const cpuBefore = await side.cpuMicros()
        const result = await load.run({
          ...side.job,
          warmupSeconds: 0,
          durationSeconds: settings.durationSeconds,
        })
        const cpu = (await side.cpuMicros()) - cpuBefore
        const broken = result.non2xx + result.errors - result.timeouts
        if (broken > 0) {
          problems.set(
            side.id,
            `${result.non2xx} non-2xx answers and ${result.errors - result.timeouts} connection errors under load (${JSON.stringify(result.statusCodes)})`,
          )
          continue
        }
        const figures = rounds[side.id] ?? {
          requestsPerSecond: [],
          cpuMicrosPerRequest: [],
          p99: [],
        }
        rounds[side.id] = figures
        figures.requestsPerSecond.push(result.requestsPerSecond)
        figures.cpuMicrosPerRequest.push(result.total > 0 ? cpu / result.total : Number.NaN)
        figures.p99.push(result.p99)
      } catch (error) {
        problems.set(side.id, `load run failed: ${(error as Error).message}`)
      }
    }
  }
  for (const id of problems.keys()) delete rounds[id]
  return { rounds, problems }
}

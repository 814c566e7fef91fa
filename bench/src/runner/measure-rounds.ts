import type { LoadJob } from '../load/load-job.js'
import { roundOrder } from './rounds.js'
import type { BenchContext } from './types.js'

/** One side of a comparison: a server under load and how to read its CPU time (µs). */
export interface Side<Id extends string = string> {
  id: Id
  job: Omit<LoadJob, 'durationSeconds' | 'warmupSeconds'>
  cpuMicros(): Promise<number>
  /** Another process the side's requests make work for (its CPU per request is kept apart). */
  upstreamCpuMicros?(): Promise<number>
  /**
   * Before each settle-and-measure of the side (nothing measured yet): e.g. fills
   * the load worker's pool of single-use values for `seconds` of load.
   */
  beforeRun?(seconds: number): Promise<void>
}

/** One side's figures, one entry per round. */
export interface SideRounds {
  requestsPerSecond: number[]
  cpuMicrosPerRequest: number[]
  /** Only for sides with `upstreamCpuMicros`. */
  upstreamCpuMicrosPerRequest: number[]
  p99: number[]
  /** Requests answered over all its measured runs. */
  answered: number
  /** Answers by HTTP status over all its measured runs. */
  statusCodes: Record<string, number>
  /** Single-use values its pool lacked and the load worker made during the runs (see `FreshSpec`). */
  madeDuringRun: number
}

/**
 * Measures `sides` in `settings.rounds` alternating rounds of
 * `settings.durationSeconds` each (warm-ups are the caller's). Each measured
 * run follows `settings.settleSeconds` of unmeasured load on the same side:
 * without it, a side measured right after itself (the last of a round is the
 * first of the next) came out up to a fifth cheaper than an identical server
 * measured after another one (issue 15's A/A control). A side whose
 * load run fails or answers anything but 2xx is left out from then on, with
 * the reason in `problems`.
 */
export async function measureRounds<Id extends string>(
  context: BenchContext,
  sides: readonly Side<Id>[],
): Promise<{ rounds: Partial<Record<Id, SideRounds>>; problems: Map<Id, string> }> {
  const { settings, load } = context
  const rounds: Partial<Record<Id, SideRounds>> = {}
  const problems = new Map<Id, string>()
  for (let round = 0; round < settings.rounds; round++) {
    await context.startRound(round)
    for (const side of roundOrder(sides, round)) {
      if (problems.has(side.id)) continue
      try {
        await side.beforeRun?.(settings.settleSeconds + settings.durationSeconds)
        if (settings.settleSeconds > 0) {
          await load.run({ ...side.job, warmupSeconds: 0, durationSeconds: settings.settleSeconds })
        }
        const cpuBefore = await side.cpuMicros()
        const upstreamBefore = await side.upstreamCpuMicros?.()
        const result = await load.run({
          ...side.job,
          warmupSeconds: 0,
          durationSeconds: settings.durationSeconds,
        })
        const cpu = (await side.cpuMicros()) - cpuBefore
        const upstreamAfter = await side.upstreamCpuMicros?.()
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
          upstreamCpuMicrosPerRequest: [],
          p99: [],
          answered: 0,
          statusCodes: {},
          madeDuringRun: 0,
        }
        rounds[side.id] = figures
        figures.requestsPerSecond.push(result.requestsPerSecond)
        const perRequest = (micros: number) =>
          result.total > 0 ? micros / result.total : Number.NaN
        figures.cpuMicrosPerRequest.push(perRequest(cpu))
        if (upstreamBefore !== undefined && upstreamAfter !== undefined) {
          figures.upstreamCpuMicrosPerRequest.push(perRequest(upstreamAfter - upstreamBefore))
        }
        figures.p99.push(result.p99)
        figures.answered += result.total
        figures.madeDuringRun += result.madeDuringRun ?? 0
        for (const [status, n] of Object.entries(result.statusCodes)) {
          figures.statusCodes[status] = (figures.statusCodes[status] ?? 0) + n
        }
      } catch (error) {
        problems.set(side.id, `load run failed: ${(error as Error).message}`)
      }
    }
  }
  for (const id of problems.keys()) delete rounds[id]
  return { rounds, problems }
}

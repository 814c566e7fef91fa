import { checkEndpoint } from '../checks/endpoint-check.js'
import type { LoadResult } from '../load/load-job.js'
import { BENCH_AUDIENCE } from '../runner/bench-tenant.js'
import { count, ms, ratio, ratioValue } from '../runner/format.js'
import { benchScript, profileFlags } from '../runner/paths.js'
import { type Child, cpuTimeOf, startReadyChild } from '../runner/processes.js'
import type { BenchContext, Table } from '../runner/types.js'
import {
  RESOURCE_BODY,
  RESOURCE_PATH,
  RESOURCE_VARIANTS,
  type VariantId,
} from '../servers/variants.js'

type Started = { port: number; child: Child } | { error: string }

/** Every resource-server variant in its own process on the server core, started once per run. */
export function resourceServers(context: BenchContext): Promise<Map<VariantId, Started>> {
  return context.shared(
    'resource-servers',
    async () => {
      const started = await Promise.all(
        RESOURCE_VARIANTS.map(async ({ id, ours }): Promise<[VariantId, Started]> => {
          try {
            const { child, ready } = await startReadyChild<{ port: number }>({
              name: id,
              script: benchScript('servers/serve-variant.ts'),
              args: [id],
              role: 'server',
              env: { BENCH_ISSUER: context.tenant.issuer, BENCH_AUDIENCE },
              ...(ours && context.settings.cpuProfile ? { nodeFlags: profileFlags(id) } : {}),
            })
            return [id, { port: ready.port, child }]
          } catch (error) {
            return [id, { error: (error as Error).message }]
          }
        }),
      )
      return new Map(started)
    },
    async (servers) => {
      await Promise.all(
        [...servers.values()].map((state) => ('child' in state ? state.child.stop() : undefined)),
      )
    },
  )
}

/** How to read the columns of a resource-server table. */
export const RESOURCE_NOTES = [
  '"vs no-auth" = variant req/s / Fastify without auth; "ours vs it" = @m2m/auth/fastify req/s / variant req/s (same run)',
  '"server CPU µs/req" = the server process\'s CPU time (user + system) in the measured run / requests answered: its cost per request, whatever limits the load generator; "ours vs it (CPU)" = its CPU per request / ours, the req/s ratio each would reach with a core of its own',
]

export interface ResourceRun {
  /** A token every variant must accept (and reject once tampered with). */
  checkToken: string
  /** Authorization header values, round robin; one value is the hot-token case. */
  authorizations: string[]
  title: string
  /** Before the timed warm-up, one pass over every authorization (caches at their steady state). */
  warmupPass?: boolean
}

export interface ResourceRunResult {
  table: Table
  failures: string[]
  figures: Partial<Record<VariantId, LoadResult & { cpuMicrosPerRequest: number }>>
}

/** Checks, then loads each variant in turn with the same route, connections and durations. */
export async function measureResourceServers(
  context: BenchContext,
  run: ResourceRun,
): Promise<ResourceRunResult> {
  const { settings, load, log } = context
  const servers = await resourceServers(context)
  const failures: string[] = []
  const figures: ResourceRunResult['figures'] = {}
  const problems = new Map<VariantId, string>()

  for (const { id } of RESOURCE_VARIANTS) {
    const state = servers.get(id)
    if (!state || 'error' in state) {
      problems.set(id, `did not start: ${state && 'error' in state ? state.error : 'unknown'}`)
      continue
    }
    const url = `http://127.0.0.1:${state.port}${RESOURCE_PATH}`
    try {
      if (id !== 'fastify-no-auth') {
        await checkEndpoint({ url, token: run.checkToken, body200: RESOURCE_BODY })
      }
    } catch (error) {
      problems.set(id, `check failed: ${(error as Error).message}`)
      continue
    }
    log(`  ${id}`)
    const [only] = run.authorizations
    const job = {
      url,
      ...(run.authorizations.length === 1 && only
        ? { headers: { authorization: only } }
        : { authorizations: run.authorizations }),
      connections: settings.connections,
      warmupSeconds: 0,
    }
    let result: LoadResult & { cpuMicrosPerRequest: number }
    try {
      if (run.warmupPass) {
        await load.run({ ...job, durationSeconds: 1, amount: run.authorizations.length })
      }
      // The warm-up as a run of its own, so the server's CPU time is read between the two.
      if (settings.warmupSeconds > 0) {
        await load.run({ ...job, durationSeconds: settings.warmupSeconds })
      }
      const cpuBefore = await cpuTimeOf(state.child)
      const measured = await load.run({ ...job, durationSeconds: settings.durationSeconds })
      const cpu = (await cpuTimeOf(state.child)) - cpuBefore
      result = {
        ...measured,
        cpuMicrosPerRequest: measured.total > 0 ? cpu / measured.total : Number.NaN,
      }
    } catch (error) {
      problems.set(id, `load run failed: ${(error as Error).message}`)
      continue
    }
    const broken = result.non2xx + result.errors - result.timeouts
    if (broken > 0) {
      problems.set(
        id,
        `${result.non2xx} non-2xx answers and ${result.errors - result.timeouts} connection errors under load (${JSON.stringify(result.statusCodes)})`,
      )
      continue
    }
    figures[id] = result
  }

  const limit = figures['fastify-no-auth']?.requestsPerSecond
  const ours = figures['m2m-auth-fastify']?.requestsPerSecond
  const oursCpu = figures['m2m-auth-fastify']?.cpuMicrosPerRequest
  const rows = RESOURCE_VARIANTS.map(({ id, label }) => {
    const f = figures[id]
    const problem = problems.get(id)
    if (problem) failures.push(`${label}: ${problem}`)
    if (!f) return [label, 'error', '-', '-', '-', '-', '-', '-']
    return [
      label,
      count(f.requestsPerSecond),
      ms(f.p50),
      ms(f.p99),
      ratio(f.requestsPerSecond, limit),
      ratio(ours, f.requestsPerSecond),
      count(f.cpuMicrosPerRequest),
      ratio(f.cpuMicrosPerRequest, oursCpu),
    ]
  })
  return {
    table: {
      title: run.title,
      columns: [
        'variant',
        'req/s',
        'p50 ms',
        'p99 ms',
        'vs no-auth',
        'ours vs it',
        'server CPU µs/req',
        'ours vs it (CPU)',
      ],
      rows,
    },
    failures,
    figures,
  }
}

export function oursOver(figures: ResourceRunResult['figures'], peer: VariantId): number {
  return ratioValue(
    figures['m2m-auth-fastify']?.requestsPerSecond,
    figures[peer]?.requestsPerSecond,
  )
}

/** The same ratio from CPU per request: what each would serve with a core of its own. */
export function oursOverByCpu(figures: ResourceRunResult['figures'], peer: VariantId): number {
  return ratioValue(
    figures[peer]?.cpuMicrosPerRequest,
    figures['m2m-auth-fastify']?.cpuMicrosPerRequest,
  )
}

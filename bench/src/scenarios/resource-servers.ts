import { checkEndpoint } from '../checks/endpoint-check.js'
import { BENCH_AUDIENCE } from '../runner/bench-tenant.js'
import { count, ms, percent, ratio, spreadText } from '../runner/format.js'
import { measureRounds, type Side, type SideRounds } from '../runner/measure-rounds.js'
import { benchScript, profileFlags } from '../runner/paths.js'
import { type Child, cpuTimeOf, startReadyChild } from '../runner/processes.js'
import { pairControl, ratioSpread, type Spread, spread } from '../runner/rounds.js'
import {
  type BenchContext,
  type Figure,
  roundsTarget,
  type Table,
  type Target,
} from '../runner/types.js'
import {
  RESOURCE_BODY,
  RESOURCE_PATH,
  RESOURCE_VARIANTS,
  type VariantId,
} from '../servers/variants.js'
import { measurePairedFigures, type PairedServer } from './paired-figures.js'

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

// Ours is measured between the two no-auth copies, so that in every round (and order) the
// limit, ours and the A/A control run back to back: the closer two runs are in time, the
// less a slow phase of this shared machine falls on one of them only.
const MEASURING_ORDER: readonly VariantId[] = [
  'fastify-no-auth',
  'm2m-auth-fastify',
  'fastify-no-auth-b',
  'fastify-empty-hook',
]
const byMeasuringOrder = (a: { id: VariantId }, b: { id: VariantId }) => rank(a.id) - rank(b.id)
const rank = (id: VariantId) => {
  const i = MEASURING_ORDER.indexOf(id)
  return i === -1 ? MEASURING_ORDER.length : i
}

/** How to read the columns of a resource-server table. */
export const RESOURCE_NOTES = [
  'each variant is measured once per round, in alternating order (A B C …, then … C B A), every server kept up between rounds; a figure is the median of the rounds with their min–max',
  '"server CPU µs/req" = the server process\'s CPU time (user + system) in a round / requests it answered: its cost per request, whatever limits the load generator (the headline figure); "ours vs it (CPU)" = its CPU per request / ours in the same round, the req/s ratio each would reach with a core of its own; "ours vs it (req/s)" the same from throughput',
  'the A/A control is the no-auth server measured twice per round: how far apart the two copies were in a round (median over the rounds) is the noise floor, and a median ratio within it of its target is reported as not distinguishable; the targets against no auth take the mean of the two copies in each round as the limit',
  'the empty-hook row is the no-auth server with one onRequest hook that only calls done(): what Fastify\'s hook runner costs any plugin that checks requests in a hook, ours included ("ours / the empty hook" in the figures is what ours adds to it)',
]

export interface ResourceRun {
  /** A token every variant must accept (and reject once tampered with). */
  checkToken: string
  /** Authorization header values, round robin; one value is the hot-token case. */
  authorizations: string[]
  title: string
  /** Before the timed warm-up, one pass over every authorization (caches at their steady state). */
  warmupPass?: boolean
  /** Sides of this run only (another server or another request), measured in the same rounds. */
  extraSides?: ExtraSide[]
}

/** A side of one scenario's rounds besides the variants: its own checks, warm-up and row. */
export interface ExtraSide extends Side<string> {
  label: string
  /** Measured right after this variant in each round. */
  measuredAfter: VariantId
  /** Its row is shown after this variant's. */
  shownAfter: VariantId
  /** Its checks and warm-up; throws when the side cannot be measured. */
  prepare(): Promise<void>
}

export interface ResourceRunResult {
  table: Table
  failures: string[]
  rounds: Partial<Record<VariantId, SideRounds>>
  /** The figures of `extraSides`, by id. */
  extraRounds: Record<string, SideRounds>
  /** The A/A control: no-auth CPU per request over its second copy's, per round. */
  control: Spread
  /** The relative noise floor from the control (see `noiseFloor`). */
  floor: number
  /** The no-auth limit per round: the mean of its two copies. */
  noAuthLimit: Record<'cpuMicrosPerRequest' | 'requestsPerSecond', number[]> | undefined
}

/**
 * Checks every variant, warms each up, then measures them in alternating
 * rounds with the same route, connections and durations.
 */
export async function measureResourceServers(
  context: BenchContext,
  run: ResourceRun,
): Promise<ResourceRunResult> {
  const { settings, load } = context
  const servers = await resourceServers(context)
  const failures: string[] = []
  const problems = new Map<VariantId, string>()
  const jobs = new Map<VariantId, { url: string; child: Child }>()

  const [only] = run.authorizations
  const jobOf = (url: string) => ({
    url,
    ...(run.authorizations.length === 1 && only
      ? { headers: { authorization: only } }
      : { authorizations: run.authorizations }),
    connections: settings.connections,
  })

  for (const { id, auth } of RESOURCE_VARIANTS) {
    const state = servers.get(id)
    if (!state || 'error' in state) {
      problems.set(id, `did not start: ${state && 'error' in state ? state.error : 'unknown'}`)
      continue
    }
    const url = `http://127.0.0.1:${state.port}${RESOURCE_PATH}`
    try {
      if (auth) await checkEndpoint({ url, token: run.checkToken, body200: RESOURCE_BODY })
      if (run.warmupPass) {
        await load.run({
          ...jobOf(url),
          warmupSeconds: 0,
          durationSeconds: 1,
          amount: run.authorizations.length,
        })
      }
      if (settings.warmupSeconds > 0) {
        await load.run({ ...jobOf(url), warmupSeconds: 0, durationSeconds: settings.warmupSeconds })
      }
      jobs.set(id, { url, child: state.child })
    } catch (error) {
      problems.set(id, `check or warm-up failed: ${(error as Error).message}`)
    }
  }

  const extras: ExtraSide[] = []
  const extraProblems = new Map<string, string>()
  for (const extra of run.extraSides ?? []) {
    try {
      await extra.prepare()
      extras.push(extra)
    } catch (error) {
      extraProblems.set(extra.id, `check or warm-up failed: ${(error as Error).message}`)
    }
  }
  const sides: Side<string>[] = [...RESOURCE_VARIANTS]
    .sort(byMeasuringOrder)
    .filter(({ id }) => jobs.has(id) && !problems.has(id))
    .flatMap(({ id }) => {
      const { url, child } = jobs.get(id) as { url: string; child: Child }
      return [
        { id, job: jobOf(url), cpuMicros: () => cpuTimeOf(child) },
        ...extras.filter((extra) => extra.measuredAfter === id),
      ]
    })
  // An extra whose variant is not measured comes last, rather than not at all.
  sides.push(...extras.filter((extra) => !sides.includes(extra)))
  const measured = await measureRounds(context, sides)
  const rounds = measured.rounds as Partial<Record<VariantId, SideRounds>>
  for (const [id, problem] of measured.problems) {
    if (isResourceVariant(id)) problems.set(id, problem)
    else extraProblems.set(id, problem)
  }
  const extraRounds: Record<string, SideRounds> = {}
  for (const extra of run.extraSides ?? []) {
    const figures = measured.rounds[extra.id]
    if (figures) extraRounds[extra.id] = figures
  }

  const noAuth = rounds['fastify-no-auth']
  const pair =
    noAuth &&
    pairControl(noAuth, rounds['fastify-no-auth-b'], ['cpuMicrosPerRequest', 'requestsPerSecond'])
  const control = pair?.control ?? spread([])
  const floor = pair?.floor ?? Number.NaN
  const ours = rounds['m2m-auth-fastify']
  const rowOf = (id: string, label: string, f: SideRounds | undefined, problem?: string) => {
    if (problem) failures.push(`${label}: ${problem}`)
    if (!f) return [label, 'error', '-', '-', '-', '-']
    const versus = (mine: number[] | undefined, theirs: number[], inverse: boolean) =>
      id === 'm2m-auth-fastify' || !mine
        ? '-'
        : spreadText(inverse ? ratioSpread(theirs, mine) : ratioSpread(mine, theirs), (r) =>
            ratio(r, 1),
          )
    return [
      label,
      spreadText(spread(f.cpuMicrosPerRequest), (v) => v.toFixed(1)),
      versus(ours?.cpuMicrosPerRequest, f.cpuMicrosPerRequest, true),
      spreadText(spread(f.requestsPerSecond), count),
      versus(ours?.requestsPerSecond, f.requestsPerSecond, false),
      ms(spread(f.p99).median),
    ]
  }
  const rows = RESOURCE_VARIANTS.flatMap(({ id, label }) => [
    rowOf(id, label, rounds[id], problems.get(id)),
    ...(run.extraSides ?? [])
      .filter((extra) => extra.shownAfter === id)
      .map((extra) =>
        rowOf(extra.id, extra.label, extraRounds[extra.id], extraProblems.get(extra.id)),
      ),
  ])
  return {
    table: {
      title: `${run.title}; ${settings.rounds} alternating round${settings.rounds === 1 ? '' : 's'}; A/A floor ±${percent(floor)}`,
      columns: [
        'variant',
        'server CPU µs/req',
        'ours vs it (CPU)',
        'req/s',
        'ours vs it (req/s)',
        'p99 ms',
      ],
      rows,
    },
    failures,
    rounds,
    extraRounds,
    control,
    floor,
    noAuthLimit: pair?.limit,
  }
}

const isResourceVariant = (id: string): id is VariantId =>
  RESOURCE_VARIANTS.some((variant) => variant.id === id)

/** Ours against the empty-hook server (CPU per request): what ours adds to the least a hook costs. */
export function oursOverEmptyHook(result: ResourceRunResult): Figure[] {
  const hook = result.rounds['fastify-empty-hook']?.cpuMicrosPerRequest
  const ours = result.rounds['m2m-auth-fastify']?.cpuMicrosPerRequest
  if (!hook || !ours) return []
  const rounds = ratioSpread(hook, ours)
  return [
    {
      name: 'ours / Fastify + one empty onRequest hook (CPU per request)',
      value: rounds.median,
      unit: 'x',
      spread: rounds,
      floor: result.floor,
    },
  ]
}

/**
 * `peer`'s CPU per request over no auth's (the mean of its two copies), round
 * by round: what a plugin that cost nothing would keep against `peer`, the
 * most that a target "ours ≥ N× peer" can reach in the run.
 */
export function peerOverNoAuth(result: ResourceRunResult, peer: VariantId): Figure[] {
  const peerCost = result.rounds[peer]?.cpuMicrosPerRequest
  const limit = result.noAuthLimit?.cpuMicrosPerRequest
  if (!peerCost || !limit) return []
  const rounds = ratioSpread(peerCost, limit)
  const label = RESOURCE_VARIANTS.find((v) => v.id === peer)?.label ?? peer
  return [
    {
      name: `${label} / Fastify, no auth (CPU per request): what a plugin costing nothing would keep against it`,
      value: rounds.median,
      unit: 'x',
      spread: rounds,
    },
  ]
}

/** Ours against `peer` as a target on CPU per request (`by: 'cpu'`) or req/s, judged on the median of the rounds. */
export function oursOver(
  result: ResourceRunResult,
  peer: VariantId,
  wanted: number,
  by: 'cpu' | 'throughput',
): Target {
  const ours = result.rounds['m2m-auth-fastify']
  // The limit is the no-auth server: the mean of its two copies in each round.
  const limit = peer === 'fastify-no-auth' ? result.noAuthLimit : undefined
  const of = (key: 'cpuMicrosPerRequest' | 'requestsPerSecond') =>
    limit ? limit[key] : (result.rounds[peer]?.[key] ?? [])
  const rounds =
    by === 'cpu'
      ? ratioSpread(of('cpuMicrosPerRequest'), ours?.cpuMicrosPerRequest ?? [])
      : ratioSpread(ours?.requestsPerSecond ?? [], of('requestsPerSecond'))
  const label = limit
    ? 'Fastify, no auth (the limit: the mean of its two copies)'
    : (RESOURCE_VARIANTS.find((v) => v.id === peer)?.label ?? peer)
  return roundsTarget(
    `ours / ${label} (${by === 'cpu' ? 'CPU per request' : 'req/s'})`,
    rounds,
    wanted,
    result.floor,
  )
}

/**
 * After a scenario's rounds: no auth two at once with its second copy (the
 * A/A pair), then with ours, sending `authorizations` in turn (`measurePairedFigures`).
 */
export async function measureOursTwoAtOnce(
  context: BenchContext,
  authorizations: readonly string[],
  names: { aa: string; ours: string },
): ReturnType<typeof measurePairedFigures> {
  const servers = await resourceServers(context)
  const serverOf = (id: VariantId): PairedServer => {
    const state = servers.get(id)
    if (!state || !('child' in state)) throw new Error(`${id} did not start`)
    return { url: `http://127.0.0.1:${state.port}${RESOURCE_PATH}`, child: state.child }
  }
  return measurePairedFigures(
    context,
    authorizations,
    () => ({
      limit: serverOf('fastify-no-auth'),
      copy: serverOf('fastify-no-auth-b'),
      ours: serverOf('m2m-auth-fastify'),
    }),
    names,
  )
}

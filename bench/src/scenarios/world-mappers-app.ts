import { request } from 'undici'
import { CLIENTS } from '../runner/bench-tenant.js'
import { processCpuMicros, untilQuiet } from '../runner/cpu-time.js'
import { count, describeLoad, ms, percent, ratio, spreadText } from '../runner/format.js'
import { measureRounds, type Side } from '../runner/measure-rounds.js'
import { benchScript, profileFlags } from '../runner/paths.js'
import { type Child, startReadyChild } from '../runner/processes.js'
import { pairControl, ratioSpread, spread } from '../runner/rounds.js'
import {
  type BenchContext,
  checkedTwoAtOnce,
  roundsTarget,
  type Scenario,
  type ScenarioResult,
} from '../runner/types.js'
import { measurePairedFigures, pairedNote } from './paired-figures.js'
import {
  scenariosServedBySharedWorldMappers,
  startWorldMappers,
  type WorldMappers,
  worldMappers,
} from './world-mappers.js'

const PATH = '/api/me'
const AUDIENCE = 'urn:worldmappers'
const SIDES = [
  { id: 'bare', label: 'bare Fastify route, the same body (the limit)' },
  { id: 'bare-b', label: 'bare Fastify route, a second copy (A/A control)' },
  { id: 'bare-auth', label: 'the bare route + @m2m/auth/fastify (registerProtectedApi)' },
  { id: 'bare-telemetry', label: 'the bare route + service-kit telemetry (registerTelemetry)' },
  {
    id: 'bare-all',
    label: 'the bare route + every part world-mappers registers (no places loaded)',
  },
  {
    id: 'bare-all-places',
    label: 'the bare route + every part + the places world-mappers holds (its gazetteer loaded)',
  },
  { id: 'world-mappers', label: 'world-mappers app (src/main.ts), GET /api/me (ours)' },
  {
    id: 'world-mappers-shared',
    label: "the run's shared world-mappers, after the earlier scenarios' requests",
  },
] as const
type SideId = (typeof SIDES)[number]['id']
type AppSideId = 'world-mappers' | 'world-mappers-shared'

/** The bare route's servers: alone (twice), and with one part of the app each. */
const BARE_SERVERS: ReadonlyArray<{ id: Exclude<SideId, AppSideId>; layers: string }> = [
  { id: 'bare', layers: '' },
  { id: 'bare-b', layers: '' },
  { id: 'bare-auth', layers: 'auth' },
  { id: 'bare-telemetry', layers: 'telemetry' },
  { id: 'bare-all', layers: 'logger,telemetry,service,auth' },
  { id: 'bare-all-places', layers: 'logger,telemetry,service,auth,places' },
]

async function cpuOf(child: Child): Promise<number> {
  const micros = await processCpuMicros(child.process.pid)
  if (micros === undefined) throw new Error(`no CPU time for ${child.name} (Linux /proc only)`)
  return micros
}

/**
 * Scenario 8: the whole world-mappers app — its logger, request ids, error
 * handler, OpenAPI, health routes and `@m2m/auth/fastify` — answering
 * `GET /api/me` to a valid token, against a bare Fastify route that answers
 * the very same bytes. What the app costs beyond the route itself.
 */
export const worldMappersApp: Scenario = {
  id: '8',
  title: 'The world-mappers app against a bare route',
  async run(context) {
    // An app of its own, new as the bare routes are, answering only what they answer: the
    // shared one has answered the earlier scenarios' queries (a row of its own, below).
    const servedBefore = [...scenariosServedBySharedWorldMappers()]
    const failures: string[] = []
    // A shared process that failed to start or died costs its own row, not the target's.
    const shared: WorldMappers | undefined =
      servedBefore.length > 0
        ? await worldMappers(context, '8').catch((error: unknown) => {
            failures.push(`the shared world-mappers: ${(error as Error).message}`)
            return undefined
          })
        : undefined
    const app = await startWorldMappers(context, 'world-mappers-app')
    try {
      return await measureApp(context, app, shared && { ...shared, servedBefore }, failures)
    } finally {
      await app.child.stop()
    }
  },
}

/** Scenario 8's rounds, with `app` and, when it has served earlier scenarios, the shared world-mappers. */
async function measureApp(
  context: BenchContext,
  app: WorldMappers,
  shared: (WorldMappers & { servedBefore: readonly string[] }) | undefined,
  failures: string[],
): Promise<ScenarioResult> {
  const { settings, load } = context
  const token = await context.tenant.token(CLIENTS.giftDeliveries, AUDIENCE)
  const headers = { authorization: `Bearer ${token}` }
  const answer = await request(`${app.url}${PATH}`, { headers })
  const body = await answer.body.text()
  if (answer.statusCode !== 200) throw new Error(`${PATH} answered ${answer.statusCode}: ${body}`)

  const starts = await Promise.allSettled(
    BARE_SERVERS.map(async ({ id, layers }) => {
      const { child, ready } = await startReadyChild<{ port: number; places: number }>({
        name: id,
        script: benchScript('servers/serve-fixed-body.ts'),
        role: 'server',
        env: {
          BENCH_PATH: PATH,
          BENCH_BODY: body,
          BENCH_LAYERS: layers,
          BENCH_ISSUER: context.tenant.issuer,
          BENCH_AUDIENCE: AUDIENCE,
        },
        ...(settings.cpuProfile ? { nodeFlags: profileFlags(id) } : {}),
      })
      return { id, child, places: ready.places, url: `http://127.0.0.1:${ready.port}${PATH}` }
    }),
  )
  const bare = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []))
  try {
    const failedStart = starts.find((start) => start.status === 'rejected')
    if (failedStart) throw failedStart.reason
    // Like world-mappers, the servers holding the places go on collecting after they answer
    // ready: every server is measured once it idles.
    await Promise.all(
      [app.child, ...bare.map(({ child }) => child)].map((c) => untilQuiet(c.process.pid)),
    )
    const bareSides: Side<SideId>[] = bare.map(({ id, child, url }) => ({
      id,
      job: { url, headers, connections: settings.connections },
      cpuMicros: () => cpuOf(child),
    }))
    const appSide: Side<SideId> = {
      id: 'world-mappers',
      job: { url: `${app.url}${PATH}`, headers, connections: settings.connections },
      cpuMicros: () => cpuOf(app.child),
    }
    // The app is measured between the two bare copies, in every round and order: its
    // limit is their mean, and their A/A floor covers the time the app ran in.
    const [firstCopy, ...otherBare] = bareSides
    if (!firstCopy) throw new Error('no bare route started')
    let sharedSide: Side<SideId> | undefined
    if (shared) {
      const side: Side<SideId> = {
        id: 'world-mappers-shared',
        job: { url: `${shared.url}${PATH}`, headers, connections: settings.connections },
        cpuMicros: () => cpuOf(shared.child),
      }
      try {
        const check = await request(side.job.url, { headers })
        await check.body.dump()
        sharedSide = side
      } catch (error) {
        failures.push(`the shared world-mappers did not answer: ${(error as Error).message}`)
      }
    }
    const sides = [firstCopy, appSide, ...otherBare, ...(sharedSide ? [sharedSide] : [])]
    for (const side of sides) {
      const check = await request(side.job.url, { headers })
      const text = await check.body.text()
      if (text !== body) failures.push(`${side.id} answers another body than the app`)
      if (settings.warmupSeconds > 0) {
        await load.run({ ...side.job, warmupSeconds: 0, durationSeconds: settings.warmupSeconds })
      }
    }
    const { rounds, problems } = await measureRounds(context, sides)
    const [bareServer, bareCopy] = bare
    if (bareServer?.id !== 'bare' || bareCopy?.id !== 'bare-b') {
      throw new Error('the bare copies come first')
    }
    const twoAtOnce = await measurePairedFigures(
      context,
      [headers.authorization],
      () => ({
        limit: bareServer,
        copy: bareCopy,
        ours: { url: `${app.url}${PATH}`, child: app.child },
      }),
      {
        aa: 'two at once, A/A: a second bare route / the bare route (CPU per request)',
        ours: 'two at once: world-mappers app / bare route (CPU per request)',
      },
    )
    if (twoAtOnce.failure) failures.push(twoAtOnce.failure)
    // The limit: the mean of the two bare copies in each round.
    const pair =
      rounds.bare &&
      pairControl(rounds.bare, rounds['bare-b'], ['cpuMicrosPerRequest', 'requestsPerSecond'])
    const control = pair?.control ?? spread([])
    const floor = pair?.floor ?? Number.NaN
    const limit = pair?.limit
    const rows = SIDES.filter(({ id }) => sharedSide || id !== 'world-mappers-shared').map(
      ({ id, label }) => {
        const problem = problems.get(id)
        if (problem) failures.push(`${label}: ${problem}`)
        const f = rounds[id]
        if (!f || !limit) return [label, 'error', '-', '-', '-', '-']
        return [
          id === 'world-mappers-shared' ? `${label} (${shared?.servedBefore.join(', ')})` : label,
          spreadText(spread(f.cpuMicrosPerRequest), (v) => v.toFixed(1)),
          spreadText(ratioSpread(limit.cpuMicrosPerRequest, f.cpuMicrosPerRequest), (r) =>
            ratio(r, 1),
          ),
          spreadText(spread(f.requestsPerSecond), count),
          spreadText(ratioSpread(f.requestsPerSecond, limit.requestsPerSecond), (r) => ratio(r, 1)),
          ms(spread(f.p99).median),
        ]
      },
    )
    const ours = rounds['world-mappers']
    return {
      tables: [
        {
          title: `GET ${PATH} with one valid token, ${describeLoad(settings)}; ${settings.rounds} alternating round${settings.rounds === 1 ? '' : 's'}; A/A floor ±${percent(floor)}`,
          columns: [
            'server',
            'server CPU µs/req',
            'vs the limit (CPU)',
            'req/s',
            'vs the limit (req/s)',
            'p99 ms',
          ],
          rows,
        },
      ],
      notes: [
        `world-mappers runs its own src/main.ts (LOG_LEVEL=warn) verifying against the bench tenant, a process new to this scenario as the bare routes are; the bare routes answer the bytes it answered (${body.length} bytes)`,
        ...(shared && sharedSide
          ? [
              `the shared world-mappers is the same src/main.ts, the run's one process that ${shared.servedBefore.length === 1 ? 'scenario' : 'scenarios'} ${shared.servedBefore.join(' and ')} loaded before with ${shared.servedBefore.length === 1 ? 'its' : 'their'} own requests: what those requests left in it (V8's code and inline caches shaped by other routes, a grown heap) costs beside the new app; a row, not the target's`,
            ]
          : []),
        '"vs the limit (CPU)" = the bare route\'s CPU per request (the mean of its two copies in the round) / this server\'s, in the same round: the share of the limit it keeps',
        `measured in the order: the bare route, the app, the second bare copy, then the parts${sharedSide ? ', then the shared world-mappers' : ''} (reversed every other round): the app always runs between the two copies whose mean is its limit and whose difference is the A/A floor`,
        'the rows in between are the bare route with parts of the app, registered as the app registers them: the auth plugin (its verifier verifying against the bench tenant), the telemetry (its hooks, with no tracer installed as the services run without an exporter: no span, the request-duration histogram and /metrics), and all of them with the service logger at warn, the error handler, the OpenAPI document and the health routes: what the parts cost without the rest of the process (its gazetteer of places, its other routes)',
        pairedNote(context),
        `the row with the places also loads world-mappers' gazetteer (${count(bare.find(({ id }) => id === 'bare-all-places')?.places ?? 0)} places) and keeps it for the process's life, as world-mappers does, and answers no query from it: what holding it costs every request (the garbage collector's work grows with the heap the places take)`,
      ],
      failures,
      targets: [
        checkedTwoAtOnce(
          roundsTarget(
            'world-mappers app / bare route (CPU per request)',
            ratioSpread(limit?.cpuMicrosPerRequest ?? [], ours?.cpuMicrosPerRequest ?? []),
            0.9,
            floor,
          ),
          twoAtOnce.ours,
        ),
      ],
      figures: twoAtOnce.figures,
      measurements: {
        rounds,
        control,
        floor,
        bodyBytes: body.length,
        ...(twoAtOnce.paired ? { twoAtOnce: twoAtOnce.paired } : {}),
      },
    }
  } finally {
    await Promise.all(bare.map(({ child }) => child.stop()))
  }
}

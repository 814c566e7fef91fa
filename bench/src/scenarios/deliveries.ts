import { readFile } from 'node:fs/promises'
import { checkEndpoint } from '../checks/endpoint-check.js'
import { CLIENTS, secretOf } from '../runner/bench-tenant.js'
import { processCpuMicros } from '../runner/cpu-time.js'
import { count, describeLoad, ms, ratio, spreadText } from '../runner/format.js'
import { measureRounds, type Side, type SideRounds } from '../runner/measure-rounds.js'
import { benchScript, profileFlags } from '../runner/paths.js'
import { type Child, startReadyChild } from '../runner/processes.js'
import { ratioSpread, type Spread, spread } from '../runner/rounds.js'
import {
  atMostRounds,
  type BenchContext,
  type Scenario,
  type ScenarioResult,
  target,
} from '../runner/types.js'
import { freshStoreDir } from '../services/store-template.js'
import { worldMappers } from './world-mappers.js'

const MODES = [
  {
    mode: 'cached',
    label: 'gift-deliveries, @m2m/auth token provider (ours)',
    clientId: CLIENTS.giftDeliveries,
  },
  {
    mode: 'naive',
    label: 'gift-deliveries, naive per-call token fetch',
    clientId: CLIENTS.giftDeliveriesNaive,
  },
] as const

type SideId = (typeof MODES)[number]['mode'] | 'list' | 'byId'

const SIDE_LABELS: Record<SideId, string> = {
  cached: MODES[0].label,
  naive: MODES[1].label,
  list: 'GET /deliveries?limit=20 (a page of 20 summaries)',
  byId: 'GET /deliveries/:id (a whole delivery)',
}

const DESTINATIONS = [
  'Paris',
  'Seattle',
  'Tokyo',
  'Buenos Aires',
  'Cape Town',
  'Sydney',
  'Toronto',
  'Mumbai',
  'Madrid',
  'Nairobi',
]

const deliveryBody = (destination: string) =>
  JSON.stringify({
    recipient: { name: 'Ada Lovelace' },
    gift: { description: 'A difference engine' },
    destination,
  })

type Started = Array<{ child: Child; ready: { port: number } } | Error>

/** Both services, started once (early in quick runs: PGlite and module loading take seconds). */
function giftDeliveriesServices(context: BenchContext): Promise<Started> {
  return context.shared(
    'gift-deliveries',
    async () => {
      const { url: worldMappersUrl } = await worldMappers(context, '6')
      return Promise.all(
        MODES.map(async ({ mode, clientId }) =>
          startReadyChild<{ port: number }>({
            name: `gift-deliveries (${mode})`,
            script: benchScript('services/gift-deliveries-service.ts'),
            args: [mode],
            role: 'server',
            ...(mode === 'cached' && context.settings.cpuProfile
              ? { nodeFlags: profileFlags('gift-deliveries') }
              : {}),
            env: {
              BENCH_ISSUER: context.tenant.issuer,
              BENCH_WORLD_MAPPERS_URL: worldMappersUrl,
              BENCH_CLIENT_ID: clientId,
              BENCH_CLIENT_SECRET: secretOf(clientId),
              BENCH_DATA_DIR: await freshStoreDir(mode),
            },
          }).catch((error: Error) => error),
        ),
      )
    },
    stopServices,
  )
}

async function stopServices(started: Started | BenchContext): Promise<void> {
  const services = Array.isArray(started) ? started : await giftDeliveriesServices(started)
  await Promise.all(services.map((s) => (s instanceof Error ? undefined : s.child.stop())))
}

/** Resident memory of a process, in MiB, from `/proc/<pid>/status`. */
async function rssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
    return kb ? Number(kb) / 1024 : Number.NaN
  } catch {
    return Number.NaN
  }
}

const mib = (value: number) => (Number.isFinite(value) ? `${count(value)} MiB` : '-')

/**
 * Scenario 6: POST /deliveries through the whole stack (gift-deliveries →
 * tenant for a token → world-mappers for directions → PGlite), with the
 * service's token provider against the same service fetching a token per call;
 * then reads of what was created (a list page of 20 summaries, one delivery
 * by id). CPU per request of each process from /proc, and gift-deliveries' RSS.
 */
export const deliveries: Scenario = {
  id: '6',
  title: 'POST /deliveries through the whole stack, then reads',
  prepare(context) {
    giftDeliveriesServices(context).catch(() => {})
  },
  async run(context) {
    const { settings, tenant, load } = context
    const services = await giftDeliveriesServices(context)
    const upstream = (await worldMappers(context, '6')).child.process.pid
    const failures: string[] = []
    const memory: { startMiB?: number; endMiB?: number } = {}
    const sides: Array<Side<SideId>> = []
    let cachedPid: number | undefined
    try {
      const token = await tenant.token(CLIENTS.storefront, 'urn:gift-deliveries')
      const authorization = `Bearer ${token}`
      const bodies = DESTINATIONS.map(deliveryBody)
      const headers = { 'content-type': 'application/json' }
      for (const [i, { mode, label }] of MODES.entries()) {
        const service = services[i]
        if (!service || service instanceof Error) {
          failures.push(`${label}: did not start: ${service?.message}`)
          continue
        }
        const pid = service.child.process.pid
        const cpuMicros = async () => (await processCpuMicros(pid)) ?? Number.NaN
        const upstreamCpuMicros = async () => (await processCpuMicros(upstream)) ?? Number.NaN
        if (mode === 'cached') {
          cachedPid = pid
          memory.startMiB = await rssMiB(pid)
        }
        const origin = `http://127.0.0.1:${service.ready.port}`
        let firstId: string
        try {
          firstId = await checkCreates(`${origin}/deliveries`, bodies, token)
        } catch (error) {
          failures.push(`${label}: check failed: ${(error as Error).message}`)
          continue
        }
        sides.push({
          id: mode,
          job: {
            url: `${origin}/deliveries`,
            method: 'POST',
            headers: { ...headers, authorization },
            bodies,
            connections: settings.connections,
          },
          cpuMicros,
          upstreamCpuMicros,
        })
        // Reads need no M2M token: measured on ours only, over the rows its creates leave.
        if (mode !== 'cached') continue
        for (const [read, path] of [
          ['list', '/deliveries?limit=20'],
          ['byId', `/deliveries/${firstId}`],
        ] as const) {
          sides.push({
            id: read,
            job: {
              url: `${origin}${path}`,
              headers: { authorization },
              connections: settings.connections,
            },
            cpuMicros,
          })
        }
      }
      if (settings.warmupSeconds > 0) {
        for (const side of sides) {
          await load.run({ ...side.job, warmupSeconds: 0, durationSeconds: settings.warmupSeconds })
        }
      }
      await tenant.resetExchanges()
      const measured = await measureRounds(context, sides)
      for (const [id, problem] of measured.problems) failures.push(`${SIDE_LABELS[id]}: ${problem}`)
      const exchanges = await tenant.exchanges()
      memory.endMiB = await rssMiB(cachedPid)
      return report(context, measured.rounds, exchanges, memory, failures)
    } finally {
      await Promise.all(
        services.map((s) => (s instanceof Error ? undefined : (s.child as Child).stop())),
      )
    }
  },
}

/** Creates one delivery per body and checks that each is planned; the first one's id. */
async function checkCreates(url: string, bodies: string[], token: string): Promise<string> {
  let firstId = ''
  for (const body of bodies) {
    await checkEndpoint({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      token,
      status: 201,
      inspect: (answer) => {
        const parsed = JSON.parse(answer) as { status?: string; id?: string }
        firstId ||= parsed.id ?? ''
        return parsed.status === 'planned' ? undefined : `not planned: ${answer.slice(0, 200)}`
      },
    })
  }
  return firstId
}

function report(
  context: BenchContext,
  rounds: Partial<Record<SideId, SideRounds>>,
  exchanges: Record<string, { succeeded: number; failed: number }>,
  memory: { startMiB?: number; endMiB?: number },
  failures: string[],
): ScenarioResult {
  const { settings } = context
  const cached = rounds.cached
  const answered = (f: SideRounds | undefined) => f?.answered ?? 0
  const exchangesOf = (clientId: string) => {
    const e = exchanges[clientId]
    return (e?.succeeded ?? 0) + (e?.failed ?? 0)
  }
  const cpu = (values: number[] | undefined) =>
    values?.length ? spreadText(spread(values), (v) => `${count(v)} µs`) : '-'
  const rounded = `${settings.rounds} alternating round${settings.rounds === 1 ? '' : 's'}`
  const createRow = (mode: 'cached' | 'naive') => {
    const f = rounds[mode]
    if (!f) return [SIDE_LABELS[mode], 'error', '-', '-', '-', '-', '-', '-', '-', '-']
    return [
      SIDE_LABELS[mode],
      cpu(f.cpuMicrosPerRequest),
      cpu(f.upstreamCpuMicrosPerRequest),
      spreadText(spread(f.requestsPerSecond), count),
      ms(spread(f.p99).median),
      count(f.statusCodes['201'] ?? 0),
      count(f.statusCodes['202'] ?? 0),
      count(exchangesOf(mode === 'cached' ? CLIENTS.giftDeliveries : CLIENTS.giftDeliveriesNaive)),
      mode === 'cached' || !cached
        ? '-'
        : spreadText(ratioSpread(f.cpuMicrosPerRequest, cached.cpuMicrosPerRequest), (r) =>
            ratio(r, 1),
          ),
      mode === 'cached' || !cached
        ? '-'
        : spreadText(ratioSpread(cached.requestsPerSecond, f.requestsPerSecond), (r) =>
            ratio(r, 1),
          ),
    ]
  }
  const readRow = (id: 'list' | 'byId') => {
    const f = rounds[id]
    if (!f) return [SIDE_LABELS[id], 'error', '-', '-']
    return [
      SIDE_LABELS[id],
      cpu(f.cpuMicrosPerRequest),
      spreadText(spread(f.requestsPerSecond), count),
      ms(spread(f.p99).median),
    ]
  }
  const none: Spread = { median: Number.NaN, min: Number.NaN, max: Number.NaN, rounds: 0 }
  const cpuSpread = (f: SideRounds | undefined) => (f ? spread(f.cpuMicrosPerRequest) : none)
  return {
    tables: [
      {
        title: `POST /deliveries (planned with world-mappers directions, stored in PGlite), ${describeLoad(settings)}; ${rounded}`,
        columns: [
          'service',
          'gift-deliveries CPU µs/req',
          'world-mappers CPU µs/req',
          'req/s',
          'p99 ms',
          '201 planned',
          '202 pending',
          'token exchanges',
          'ours vs it (CPU)',
          'ours vs it (req/s)',
        ],
        rows: [createRow('cached'), createRow('naive')],
      },
      {
        title: `Reads of gift-deliveries (ours), ${describeLoad(settings)}; ${rounded}; RSS ${mib(memory.startMiB ?? Number.NaN)} after start, ${mib(memory.endMiB ?? Number.NaN)} after its ${count(answered(cached))} measured creates (and those of its checks, warm-up and settle runs)`,
        columns: ['request', 'gift-deliveries CPU µs/req', 'req/s', 'p99 ms'],
        rows: [readRow('list'), readRow('byId')],
      },
    ],
    notes: [
      'tenant, world-mappers and gift-deliveries all on the server core, the load on the other; the two services (ours and the naive one, each with its own PGlite directory and its own M2M client) and the two reads are measured once per round, in alternating order, each after 1 s of unmeasured load of its own',
      'CPU per request: user + system time of the process (/proc/<pid>/stat, 10 ms ticks) during a measured run, divided by the requests answered; figures are medians of the rounds (min–max); "ours vs it (CPU)" is how many times less CPU ours spent per create, per round; token exchanges are counted at the tenant per client over all rounds, settle runs included',
    ],
    failures,
    targets: [
      atMostRounds(
        'gift-deliveries CPU per created delivery (inline plan, world-mappers excluded)',
        cpuSpread(cached),
        1_000,
        'µs',
      ),
      atMostRounds(
        'world-mappers CPU per planned delivery (its directions request)',
        cached ? spread(cached.upstreamCpuMicrosPerRequest) : none,
        500,
        'µs',
      ),
      atMostRounds(
        'gift-deliveries CPU per list page of 20 summaries',
        cpuSpread(rounds.list),
        500,
        'µs',
      ),
      {
        ...target(
          'gift-deliveries RSS after start (PGlite)',
          memory.startMiB ?? Number.NaN,
          300,
          'at-most',
        ),
        unit: 'MiB',
      },
    ],
    measurements: { rounds, exchanges, memory },
  }
}

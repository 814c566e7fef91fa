import { readFile } from 'node:fs/promises'
import { checkEndpoint } from '../checks/endpoint-check.js'
import type { LoadJob, LoadResult } from '../load/load-job.js'
import { CLIENTS, secretOf } from '../runner/bench-tenant.js'
import { processCpuMicros } from '../runner/cpu-time.js'
import { count, describeLoad, ms, ratio } from '../runner/format.js'
import { benchScript, profileFlags } from '../runner/paths.js'
import { type Child, startReadyChild } from '../runner/processes.js'
import { type BenchContext, type Scenario, type Target, target } from '../runner/types.js'
import { freshStoreDir } from '../services/store-template.js'
import { worldMappers } from './world-mappers.js'

const MODES = [
  { mode: 'cached', label: 'gift-deliveries, @m2m/auth token provider (ours)' },
  { mode: 'naive', label: 'gift-deliveries, naive per-call token fetch' },
] as const

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
      const { url: worldMappersUrl } = await worldMappers(context)
      return Promise.all(
        MODES.map(async ({ mode }) =>
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
              BENCH_CLIENT_ID: CLIENTS.giftDeliveries,
              BENCH_CLIENT_SECRET: secretOf(CLIENTS.giftDeliveries),
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

type Measured = LoadResult & { cpuMicrosPerRequest: number; upstreamCpuMicrosPerRequest: number }

/**
 * A warm-up run, then the measured run, with the CPU time (from /proc) that
 * gift-deliveries and world-mappers spent during the measured one, per request.
 */
async function measure(
  context: BenchContext,
  job: Omit<LoadJob, 'connections' | 'warmupSeconds' | 'durationSeconds'>,
  pids: { service: number | undefined; upstream: number | undefined },
): Promise<Measured> {
  const { settings, load } = context
  const base = { ...job, connections: settings.connections, warmupSeconds: 0 }
  if (settings.warmupSeconds > 0)
    await load.run({ ...base, durationSeconds: settings.warmupSeconds })
  const before = await Promise.all([
    processCpuMicros(pids.service),
    processCpuMicros(pids.upstream),
  ])
  const result = await load.run({ ...base, durationSeconds: settings.durationSeconds })
  const after = await Promise.all([processCpuMicros(pids.service), processCpuMicros(pids.upstream)])
  const per = (i: 0 | 1) =>
    result.total > 0 && after[i] !== undefined && before[i] !== undefined
      ? ((after[i] as number) - (before[i] as number)) / result.total
      : Number.NaN
  return { ...result, cpuMicrosPerRequest: per(0), upstreamCpuMicrosPerRequest: per(1) }
}

const micros = (value: number) => (Number.isFinite(value) ? `${count(value)} µs` : '-')
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
    const { settings, tenant } = context
    const services = await giftDeliveriesServices(context)
    const upstream = (await worldMappers(context)).child.process.pid
    const failures: string[] = []
    const figures: Record<
      string,
      Measured & { exchanges: number; planned: number; pending: number }
    > = {}
    const reads: Record<string, Measured> = {}
    const memory: { startMiB?: number; endMiB?: number; deliveries?: number } = {}
    const broken = (label: string, result: LoadResult) => {
      if (result.non2xx + result.errors - result.timeouts > 0) {
        failures.push(
          `${label}: ${result.non2xx} non-2xx answers under load (${JSON.stringify(result.statusCodes)}), ${result.errors} errors`,
        )
      }
    }
    try {
      const token = await tenant.token(CLIENTS.storefront, 'urn:gift-deliveries')
      const bodies = DESTINATIONS.map(deliveryBody)
      for (const [i, { mode, label }] of MODES.entries()) {
        const service = services[i]
        if (!service || service instanceof Error) {
          failures.push(`${label}: did not start: ${service?.message}`)
          continue
        }
        const pid = service.child.process.pid
        if (mode === 'cached') memory.startMiB = await rssMiB(pid)
        const url = `http://127.0.0.1:${service.ready.port}/deliveries`
        const headers = { 'content-type': 'application/json' }
        let firstId = ''
        try {
          for (const body of bodies) {
            await checkEndpoint({
              url,
              method: 'POST',
              headers,
              body,
              token,
              status: 201,
              inspect: (answer) => {
                const parsed = JSON.parse(answer) as { status?: string; id?: string }
                firstId ||= parsed.id ?? ''
                return parsed.status === 'planned'
                  ? undefined
                  : `not planned: ${answer.slice(0, 200)}`
              },
            })
          }
        } catch (error) {
          failures.push(`${label}: check failed: ${(error as Error).message}`)
          continue
        }
        context.log(`  ${mode}`)
        await tenant.resetExchanges()
        const authorization = `Bearer ${token}`
        const result = await measure(
          context,
          { url, method: 'POST', headers: { ...headers, authorization }, bodies },
          { service: pid, upstream },
        )
        const exchanges = (await tenant.exchanges())[CLIENTS.giftDeliveries]
        broken(label, result)
        figures[mode] = {
          ...result,
          exchanges: (exchanges?.succeeded ?? 0) + (exchanges?.failed ?? 0),
          planned: result.statusCodes['201'] ?? 0,
          pending: result.statusCodes['202'] ?? 0,
        }
        if (mode !== 'cached') continue
        // Reads need no M2M token: measured once, on the service with the rows just created.
        context.log('  reads')
        for (const [read, path] of [
          ['list', '/deliveries?limit=20'],
          ['byId', `/deliveries/${firstId}`],
        ] as const) {
          const measured = await measure(
            context,
            { url: `http://127.0.0.1:${service.ready.port}${path}`, headers: { authorization } },
            { service: pid, upstream: undefined },
          )
          broken(`${label}, GET ${path}`, measured)
          reads[read] = measured
        }
        memory.endMiB = await rssMiB(pid)
        memory.deliveries = bodies.length + (figures.cached?.total ?? 0)
      }
    } finally {
      await Promise.all(
        services.map((s) => (s instanceof Error ? undefined : (s.child as Child).stop())),
      )
    }

    const cached = figures.cached
    const readRow = (name: string, f: Measured | undefined) =>
      f
        ? [name, count(f.requestsPerSecond), ms(f.p50), ms(f.p99), micros(f.cpuMicrosPerRequest)]
        : [name, 'error', '-', '-', '-']
    return {
      tables: [
        {
          title: `POST /deliveries (planned with world-mappers directions, stored in PGlite), ${describeLoad(settings)}`,
          columns: [
            'service',
            'req/s',
            'p50 ms',
            'p99 ms',
            'gift-deliveries CPU/req',
            'world-mappers CPU/req',
            '201 planned',
            '202 pending',
            'token exchanges',
            'ours vs it (req/s)',
            'ours vs it (CPU/req)',
          ],
          rows: MODES.map(({ mode, label }) => {
            const f = figures[mode]
            if (!f) return [label, 'error', '-', '-', '-', '-', '-', '-', '-', '-', '-']
            return [
              label,
              count(f.requestsPerSecond),
              ms(f.p50),
              ms(f.p99),
              micros(f.cpuMicrosPerRequest),
              micros(f.upstreamCpuMicrosPerRequest),
              count(f.planned),
              count(f.pending),
              count(f.exchanges),
              ratio(cached?.requestsPerSecond, f.requestsPerSecond),
              ratio(f.cpuMicrosPerRequest, cached?.cpuMicrosPerRequest),
            ]
          }),
        },
        {
          title: `Reads of gift-deliveries (ours), ${describeLoad(settings)}; RSS ${mib(memory.startMiB ?? Number.NaN)} after start, ${mib(memory.endMiB ?? Number.NaN)} after ${count(memory.deliveries ?? 0)} deliveries`,
          columns: ['request', 'req/s', 'p50 ms', 'p99 ms', 'gift-deliveries CPU/req'],
          rows: [
            readRow('GET /deliveries?limit=20 (a page of 20 summaries)', reads.list),
            readRow('GET /deliveries/:id (a whole delivery)', reads.byId),
          ],
        },
      ],
      notes: [
        'tenant, world-mappers and gift-deliveries all on the server core, the load on the other; exchanges counted at the tenant during warm-up and run',
        'CPU per request: user + system time of the process (/proc/<pid>/stat, 10 ms ticks) during the measured run, divided by the requests answered; the "ours vs it (CPU/req)" column is how many times less CPU ours spent per create',
      ],
      failures,
      targets: [
        atMost(
          'gift-deliveries CPU per created delivery (inline plan, world-mappers excluded)',
          cached?.cpuMicrosPerRequest,
          1_000,
          'µs',
        ),
        atMost(
          'gift-deliveries CPU per list page of 20 summaries',
          reads.list?.cpuMicrosPerRequest,
          500,
          'µs',
        ),
        atMost('gift-deliveries RSS after start (PGlite)', memory.startMiB, 300, 'MiB'),
      ],
      measurements: { figures, reads, memory },
    }
  },
}

function atMost(name: string, value: number | undefined, wanted: number, unit: string): Target {
  return { ...target(name, value ?? Number.NaN, wanted, 'at-most'), unit }
}

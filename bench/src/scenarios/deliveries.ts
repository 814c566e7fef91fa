import { checkEndpoint } from '../checks/endpoint-check.js'
import type { LoadResult } from '../load/load-job.js'
import { CLIENTS, secretOf } from '../runner/bench-tenant.js'
import { count, describeLoad, ms, ratio } from '../runner/format.js'
import { benchScript, profileFlags } from '../runner/paths.js'
import { type Child, startReadyChild } from '../runner/processes.js'
import type { BenchContext, Scenario } from '../runner/types.js'
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

/**
 * Scenario 6: POST /deliveries through the whole stack (gift-deliveries →
 * tenant for a token → world-mappers for directions → PGlite), with the
 * service's token provider against the same service fetching a token per call.
 */
export const deliveries: Scenario = {
  id: '6',
  title: 'POST /deliveries through the whole stack',
  prepare(context) {
    giftDeliveriesServices(context).catch(() => {})
  },
  async run(context) {
    const { settings, tenant, load } = context
    const services = await giftDeliveriesServices(context)
    const failures: string[] = []
    const figures: Record<
      string,
      LoadResult & { exchanges: number; planned: number; pending: number }
    > = {}
    try {
      const token = await tenant.token(CLIENTS.storefront, 'urn:gift-deliveries')
      const bodies = DESTINATIONS.map(deliveryBody)
      for (const [i, { mode, label }] of MODES.entries()) {
        const service = services[i]
        if (!service || service instanceof Error) {
          failures.push(`${label}: did not start: ${service?.message}`)
          continue
        }
        const url = `http://127.0.0.1:${service.ready.port}/deliveries`
        const headers = { 'content-type': 'application/json' }
        try {
          for (const body of bodies) {
            await checkEndpoint({
              url,
              method: 'POST',
              headers,
              body,
              token,
              status: 201,
              inspect: (answer) =>
                (JSON.parse(answer) as { status?: string }).status === 'planned'
                  ? undefined
                  : `not planned: ${answer.slice(0, 200)}`,
            })
          }
        } catch (error) {
          failures.push(`${label}: check failed: ${(error as Error).message}`)
          continue
        }
        context.log(`  ${mode}`)
        await tenant.resetExchanges()
        const result = await load.run({
          url,
          method: 'POST',
          headers: { ...headers, authorization: `Bearer ${token}` },
          bodies,
          connections: settings.connections,
          warmupSeconds: settings.warmupSeconds,
          durationSeconds: settings.durationSeconds,
        })
        const exchanges = (await tenant.exchanges())[CLIENTS.giftDeliveries]
        if (result.non2xx + result.errors - result.timeouts > 0) {
          failures.push(
            `${label}: ${result.non2xx} non-2xx answers under load (${JSON.stringify(result.statusCodes)}), ${result.errors} errors`,
          )
        }
        figures[mode] = {
          ...result,
          exchanges: (exchanges?.succeeded ?? 0) + (exchanges?.failed ?? 0),
          planned: result.statusCodes['201'] ?? 0,
          pending: result.statusCodes['202'] ?? 0,
        }
      }
    } finally {
      await Promise.all(
        services.map((s) => (s instanceof Error ? undefined : (s.child as Child).stop())),
      )
    }

    const cached = figures.cached?.requestsPerSecond
    return {
      tables: [
        {
          title: `POST /deliveries (planned with world-mappers directions, stored in PGlite), ${describeLoad(settings)}`,
          columns: [
            'service',
            'req/s',
            'p50 ms',
            'p99 ms',
            '201 planned',
            '202 pending',
            'token exchanges',
            'ours vs it',
          ],
          rows: MODES.map(({ mode, label }) => {
            const f = figures[mode]
            if (!f) return [label, 'error', '-', '-', '-', '-', '-', '-']
            return [
              label,
              count(f.requestsPerSecond),
              ms(f.p50),
              ms(f.p99),
              count(f.planned),
              count(f.pending),
              count(f.exchanges),
              ratio(cached, f.requestsPerSecond),
            ]
          }),
        },
      ],
      notes: [
        'tenant, world-mappers and gift-deliveries all on the server core, the load on the other; exchanges counted at the tenant during warm-up and run',
      ],
      failures,
      targets: [],
      measurements: { figures },
    }
  },
}

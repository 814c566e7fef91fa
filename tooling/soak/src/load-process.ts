import autocannon from 'autocannon'
import type { LoadFigures } from './report.js'

/**
 * The load generator, in a child process of its own so that it never shares
 * an event loop with the soak's measuring (autocannon aggregates its results
 * only on a main thread, hence a process rather than a worker thread):
 * autocannon at saturation against gift-deliveries, cycling through a POST
 * /deliveries (each to its own coordinates), a read by id and a page of the list.
 */

export interface LoadJob {
  url: string
  token: string
  /** A delivery to read by id. */
  deliveryId: string
  durationS: number
  connections: number
}

const job = JSON.parse(process.env.SOAK_LOAD_JOB ?? '{}') as LoadJob
const send = (message: unknown) => process.send?.(message)
let sent = 0

const instance = autocannon(
  {
    url: job.url,
    connections: job.connections,
    duration: job.durationS,
    timeout: 30,
    headers: { authorization: `Bearer ${job.token}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: '/deliveries',
        setupRequest(request) {
          const n = sent++
          return {
            ...request,
            body: JSON.stringify({
              recipient: { name: `Soak ${n}` },
              gift: { description: 'A soak-test gift' },
              destination: { lat: -60 + (n % 12_000) / 100, lng: 20 + (n % 7) },
            }),
          }
        },
      },
      { method: 'GET', path: `/deliveries/${job.deliveryId}` },
      { method: 'GET', path: '/deliveries?limit=20' },
    ],
  },
  (error, result) => {
    if (error) {
      send({ error: error.message })
      return
    }
    const statusCodes: Record<string, number> = {}
    for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
      statusCodes[status] = stats.count ?? 0
    }
    const figures: LoadFigures = {
      durationS: result.duration,
      connections: job.connections,
      requests: result.requests.total,
      statusCodes,
      // autocannon counts timeouts among its errors.
      socketErrors: result.errors - result.timeouts,
      timeouts: result.timeouts,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    }
    send({ figures })
  },
)
instance.on('error', () => {})

/**
 * The load generator, a process of its own (pinned to the other core than the
 * servers): takes `LoadJob`s over IPC, runs autocannon for the warm-up and
 * then for the measured duration, and answers with a `LoadResult`; or loads
 * two servers at once in windows (`paired`) and answers with their `PairedWindows`.
 */
import autocannon from 'autocannon'
import { measurePaired, type PairedSettings } from '../runner/paired-windows.js'
import { announce, isMessage } from '../runner/processes.js'
import type { TickTarget } from '../runner/tick-load.js'
import { fillPool, freshKind, recordRate, takeFresh } from './fresh-values.js'
import type { FreshSpec, LoadJob, LoadResult } from './load-job.js'

async function run(
  job: LoadJob,
  durationSeconds: number,
  counter: { madeDuringRun: number },
): Promise<autocannon.Result> {
  const { authorizations, paths, bodies } = job
  const fresh = job.fresh && freshKind(job.fresh.pool)
  if (job.fresh && !fresh) throw new Error(`no pool ${job.fresh.pool}: call prepare first`)
  let next = 0
  const rotate =
    authorizations?.length || paths?.length || bodies?.length || fresh
      ? (request: autocannon.Request) => {
          const i = next++
          if (fresh?.kind === 'dpop') {
            request.headers = {
              ...request.headers,
              authorization: `DPoP ${fresh.accessToken}`,
              dpop: takeFresh(fresh.pool, counter),
            }
          } else if (fresh?.kind === 'client-assertion') {
            request.body = takeFresh(fresh.pool, counter)
          }
          if (authorizations?.length) {
            request.headers = {
              ...request.headers,
              authorization: authorizations[i % authorizations.length] as string,
            }
          }
          if (paths?.length) request.path = paths[i % paths.length] as string
          if (bodies?.length) request.body = bodies[i % bodies.length] as string
          return request
        }
      : undefined
  const url = new URL(job.url)
  return autocannon({
    url: url.origin,
    connections: job.connections,
    duration: durationSeconds,
    ...(job.amount ? { amount: job.amount } : {}),
    requests: [
      {
        method: job.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        headers: job.headers ?? {},
        ...(job.body === undefined ? {} : { body: job.body }),
        ...(rotate ? { setupRequest: rotate } : {}),
      },
    ],
  })
}

function summarize(result: autocannon.Result, madeDuringRun: number | undefined): LoadResult {
  return {
    ...(madeDuringRun === undefined ? {} : { madeDuringRun }),
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, stat.count ?? 0]),
    ),
  }
}

await announce(async () => ({}))
process.on('message', async (message: unknown) => {
  if (isMessage(message, 'prepare')) {
    const { id, spec, seconds } = message as unknown as {
      id: number
      spec: FreshSpec
      seconds: number
    }
    try {
      process.send?.({ type: 'result', id, prepared: fillPool(spec, seconds) })
    } catch (error) {
      process.send?.({ type: 'result', id, error: (error as Error).message })
    }
    return
  }
  if (isMessage(message, 'paired')) {
    const { id, targets, authorizations, settings } = message as unknown as {
      id: number
      targets: [TickTarget, TickTarget]
      authorizations: string[]
      settings: PairedSettings
    }
    try {
      process.send?.({
        type: 'result',
        id,
        paired: await measurePaired(targets, authorizations, settings),
      })
    } catch (error) {
      process.send?.({ type: 'result', id, error: (error as Error).message })
    }
    return
  }
  if (!isMessage(message, 'job')) return
  const { id, job } = message as unknown as { id: number; job: LoadJob }
  try {
    const counter = { madeDuringRun: 0 }
    if (job.warmupSeconds > 0) await run({ ...job, amount: undefined }, job.warmupSeconds, counter)
    const result = summarize(
      await run(job, job.durationSeconds, counter),
      job.fresh ? counter.madeDuringRun : undefined,
    )
    if (job.fresh && !job.amount) recordRate(job.fresh.pool, result.requestsPerSecond)
    process.send?.({ type: 'result', id, result })
  } catch (error) {
    process.send?.({ type: 'result', id, error: (error as Error).message })
  }
})

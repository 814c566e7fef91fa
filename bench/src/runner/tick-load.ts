import autocannon from 'autocannon'
import { processCpuSplitMicros } from './cpu-time.js'
import type { Tick } from './windows.js'

/** A server to load: its URL and the process whose CPU time is read. */
export interface TickTarget {
  url: string
  pid: number
}

/** What `loadInTicks` saw of each target, in the targets' order. */
export interface TickLoad {
  /** One list of ticks per target, each starting with the CPU before the load. */
  ticks: Tick[][]
  /** Every response each target answered, those after the last tick too. */
  responses: number[]
}

/**
 * Loads every target at once, each with its own `connections` and the
 * `authorizations` in turn (round robin, each target from the first; one
 * value is sent as a fixed header), for `seconds` whole seconds without a break; reads
 * each one's responses and CPU time (from `/proc`) every second. One list of
 * ticks per target, each starting with the CPU before the load (see
 * `cpuPerResponseByWindow`). autocannon stops at its next second's sample,
 * so the load goes on for up to a second after the last tick, not in the
 * ticks (in `responses`); this returns once it has. Throws if a response was
 * not 2xx.
 */
export async function loadInTicks(
  targets: readonly TickTarget[],
  authorizations: readonly string[],
  connections: number,
  seconds: number,
): Promise<TickLoad> {
  const cpuOf = async (pid: number) => {
    const split = await processCpuSplitMicros(pid)
    if (split === undefined) throw new Error(`no CPU time in /proc for process ${pid}`)
    return { userMicros: split.user, systemMicros: split.system }
  }
  const cpuOfAll = () => Promise.all(targets.map((target) => cpuOf(target.pid)))
  const ticks: Tick[][] = (await cpuOfAll()).map((cpu) => [{ responses: 0, ...cpu }])
  const [only] = authorizations
  if (only === undefined) throw new Error('loadInTicks: no authorization to send')
  const responses = targets.map(() => 0)
  const counted = targets.map(() => 0)
  const runs = targets.map((target, index) => {
    let instance: autocannon.Instance | undefined
    const finished = new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon(
        {
          url: target.url,
          connections,
          // Stopped after `seconds`; the margin only bounds a run that would not stop.
          duration: seconds + 60,
          ...(authorizations.length === 1
            ? { headers: { authorization: only } }
            : { requests: [{ setupRequest: inTurn(authorizations) }] }),
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      )
      instance.on('response', () => {
        responses[index] = (responses[index] as number) + 1
      })
    })
    // Awaited after the last tick; until then a failure must not count as unhandled.
    finished.catch(() => {})
    return { instance: instance as unknown as autocannon.Instance, finished }
  })
  for (let second = 0; second < seconds; second++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const cpu = await cpuOfAll()
    targets.forEach((_target, index) => {
      const now = responses[index] as number
      ;(ticks[index] as Tick[]).push({
        responses: now - (counted[index] as number),
        ...(cpu[index] as { userMicros: number; systemMicros: number }),
      })
      counted[index] = now
    })
  }
  for (const run of runs) run.instance.stop()
  const results = await Promise.all(runs.map((run) => run.finished))
  results.forEach((result, index) => {
    if (result.non2xx + result.errors > 0) {
      throw new Error(
        `${targets[index]?.url}: ${result.non2xx} answers other than 2xx, ${result.errors} errors`,
      )
    }
  })
  return { ticks, responses }
}

/** An autocannon `setupRequest` sending `authorizations` one after the other, round robin. */
function inTurn(authorizations: readonly string[]): autocannon.Request['setupRequest'] {
  let next = 0
  return (request) => {
    request.headers = {
      ...request.headers,
      authorization: authorizations[next++ % authorizations.length] as string,
    }
    return request
  }
}

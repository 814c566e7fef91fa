/**
 * How a new server's CPU per request moves in its first minute of the same
 * load: the census's servers (`runner/census-servers.ts`), natively, one after
 * another, each new, pinned to the server core, loaded by autocannon from
 * this process (pinned to the load core) without a break, its CPU time read
 * from `/proc` every second and reported per window. It is what set the
 * bench's warm-up (`runner/settings.ts`): the first windows cost more than
 * the later ones.
 *
 *   pnpm --filter @m2m/bench drift [ids] [windows] [seconds]
 *
 * `ids`: the servers, comma-separated, in order; one may come twice (a new
 * server each time). Default `bare-telemetry,bare,bare-telemetry`; a bare
 * route first starts world-mappers for the body it answers. `windows` (12)
 * of `seconds` (5) each.
 */
import { spawnSync } from 'node:child_process'
import autocannon from 'autocannon'
import {
  CENSUS_SIDES,
  type CensusSide,
  checkCensusAnswer,
  startCensusIssuer,
} from './runner/census-servers.js'
import { processCpuMicros } from './runner/cpu-time.js'
import { renderText, spreadText } from './runner/format.js'
import { pinning } from './runner/processes.js'
import { spread } from './runner/rounds.js'
import { cpuPerResponseByWindow, type Tick } from './runner/windows.js'

const ids = (process.argv[2] ?? 'bare-telemetry,bare,bare-telemetry').split(',')
const windows = Number(process.argv[3] ?? 12)
const seconds = Number(process.argv[4] ?? 5)
if (!Number.isInteger(windows) || windows < 2) throw new Error('windows: 2 or more')
if (!Number.isInteger(seconds) || seconds < 1) throw new Error('seconds: 1 or more')
const sideOf = (id: string): CensusSide => {
  const side = CENSUS_SIDES.find((candidate) => candidate.id === id)
  if (!side) throw new Error(`unknown: ${id} (known: ${CENSUS_SIDES.map((s) => s.id).join(', ')})`)
  return side
}
const sides = ids.map(sideOf)

const AUDIENCE = 'urn:drift'
if (pinning) spawnSync('taskset', ['-a', '-p', '-c', pinning.load, String(process.pid)])
else console.log('not pinned: taskset or a second core is missing')

/** The same load as the bench's: 50 connections, one token; every second's responses and CPU. */
async function loadInTicks(url: string, token: string, pid: number): Promise<Tick[]> {
  const cpuNow = async () => {
    const micros = await processCpuMicros(pid)
    if (micros === undefined) throw new Error('no CPU time in /proc for the server')
    return micros
  }
  const ticks: Tick[] = [{ responses: 0, cpuMicros: await cpuNow() }]
  let responses = 0
  let counted = 0
  let finish: (result: autocannon.Result) => void = () => {}
  let fail: (error: Error) => void = () => {}
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve
    fail = reject
  })
  const instance = autocannon(
    {
      url,
      connections: 50,
      duration: windows * seconds + 60,
      headers: { authorization: `Bearer ${token}` },
    },
    (error, result) => (error ? fail(error) : finish(result)),
  )
  instance.on('response', () => {
    responses++
  })
  while (ticks.length <= windows * seconds) {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const cpuMicros = await cpuNow()
    ticks.push({ responses: responses - counted, cpuMicros })
    counted = responses
  }
  instance.stop()
  const result = await finished
  if (result.non2xx + result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} answers other than 2xx, ${result.errors} errors`)
  }
  return ticks
}

const issuer = await startCensusIssuer(AUDIENCE)
const rows: string[][] = []
try {
  const bodyFirst = [...new Set(sides.flatMap((side) => (side.after ? [side.after] : [])))]
  for (const id of bodyFirst.filter((id) => !ids.includes(id))) {
    const side = sideOf(id)
    const server = await side.start(issuer.issuer, AUDIENCE, {})
    try {
      await checkCensusAnswer(side, server, issuer.token)
    } finally {
      await server.child.stop()
    }
  }
  for (const side of sides) {
    const server = await side.start(issuer.issuer, AUDIENCE, {})
    try {
      await checkCensusAnswer(side, server, issuer.token)
      const pid = server.child.process.pid as number
      const perWindow = cpuPerResponseByWindow(
        await loadInTicks(server.url, issuer.token, pid),
        seconds,
      )
      const micros = (value: number) => value.toFixed(1)
      rows.push([
        side.label,
        micros(perWindow[0] as number),
        spreadText(spread(perWindow.slice(1)), micros),
        perWindow.map(micros).join(', '),
      ])
      console.log(`${side.id}: ${perWindow.map(micros).join(', ')} µs a request`)
    } finally {
      await server.child.stop()
    }
  }
} finally {
  await issuer.close()
}
console.log(
  renderText({
    title: `CPU per request of a new server (µs, from /proc), in ${seconds}-s windows of one load (50 connections, one valid RS256 token), without a warm-up; node ${process.version}`,
    columns: ['server', 'first window', 'the others: median (min–max)', 'every window'],
    rows,
  }),
)

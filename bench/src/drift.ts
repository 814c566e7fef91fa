/**
 * How a new server's CPU per request moves in its first minute of the same
 * load: the census's servers (`runner/census-servers.ts`), natively, one after
 * another, each new, pinned to the server core, loaded by autocannon from
 * this process (pinned to the load core) without a break, its CPU time read
 * from `/proc` every second and reported per window, with its user-space and
 * kernel shares. The bench's warm-up (`runner/settings.ts`) was set from an
 * earlier form of it; what it shows most is the machine's own steps (bench
 * README, "How it measures").
 *
 *   pnpm --filter @m2m/bench drift [ids] [windows] [seconds]
 *
 * `ids`: the servers, comma-separated, in order; one may come twice (a new
 * server each time). Default `bare-telemetry,bare,bare-telemetry`; a bare
 * route first starts world-mappers for the body it answers. `windows` (12)
 * of `seconds` (5) each.
 */
import {
  answerBodiesFirst,
  censusSide,
  checkCensusAnswer,
  startCensusIssuer,
} from './runner/census-servers.js'
import { renderText, spreadText } from './runner/format.js'
import { pinThisProcessToLoadCore } from './runner/processes.js'
import { spread } from './runner/rounds.js'
import { loadInTicks } from './runner/tick-load.js'
import { cpuPerResponseByWindow, type Tick } from './runner/windows.js'

const ids = (process.argv[2] ?? 'bare-telemetry,bare,bare-telemetry').split(',')
const windows = Number(process.argv[3] ?? 12)
const seconds = Number(process.argv[4] ?? 5)
if (!Number.isInteger(windows) || windows < 2) throw new Error('windows: 2 or more')
if (!Number.isInteger(seconds) || seconds < 1) throw new Error('seconds: 1 or more')

const sides = ids.map(censusSide)

const AUDIENCE = 'urn:drift'
pinThisProcessToLoadCore()

const issuer = await startCensusIssuer(AUDIENCE)
const rows: string[][] = []
try {
  await answerBodiesFirst(sides, issuer, AUDIENCE)
  for (const side of sides) {
    const server = await side.start(issuer.issuer, AUDIENCE, {})
    try {
      await checkCensusAnswer(side, server, issuer.token)
      const pid = server.child.process.pid as number
      // The bench's load: 50 connections, one token.
      const {
        ticks: [ticks],
      } = await loadInTicks(
        [{ url: server.url, pid }],
        [`Bearer ${issuer.token}`],
        50,
        windows * seconds,
      )
      const perWindow = cpuPerResponseByWindow(ticks as Tick[], seconds)
      const total = perWindow.map((window) => window.user + window.system)
      const others = perWindow.slice(1)
      const micros = (value: number) => value.toFixed(1)
      const median = (values: number[]) => micros(spread(values).median)
      rows.push([
        side.label,
        micros(total[0] as number),
        spreadText(spread(total.slice(1)), micros),
        median(others.map((window) => window.user)),
        median(others.map((window) => window.system)),
        total.map(micros).join(', '),
      ])
      console.log(`${side.id}: ${total.map(micros).join(', ')} µs a request`)
    } finally {
      await server.child.stop()
    }
  }
} finally {
  await issuer.close()
}
console.log(
  renderText({
    title: `CPU per request of a new server (µs, from /proc; user space and kernel: the medians of the windows after the first), in ${seconds}-s windows of one load (50 connections, one valid RS256 token), without a warm-up; node ${process.version}`,
    columns: [
      'server',
      'first window',
      'the others: median (min–max)',
      'user space',
      'kernel',
      'every window',
    ],
    rows,
  }),
)

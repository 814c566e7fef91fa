/**
 * The instructions a request costs each server, counted rather than timed:
 * the census's servers (`runner/census-servers.ts`: scenario 1's no-auth,
 * empty-hook and ours; scenario 8's bare route, its parts and world-mappers)
 * each run under valgrind's callgrind. After a warm-up, the counters are
 * zeroed, `requests` GETs with one valid RS256 token are sent, and the count
 * is dumped; `windows` times. Prints instructions per request (the median of
 * the windows, with their min–max) and each server's count against the one
 * it is compared with, window against window: the fewest of each. A window
 * runs the same requests as the others plus whatever else landed in it: the
 * optimizing compiler's side effects (its deoptimizations and the code run
 * meanwhile), and collections of the old generation that V8's memory reducer
 * starts on a timer (valgrind runs fifty times slower, so its timers fire
 * fifty times more often per request than natively, where `alloc-census`
 * saw none in 50,000 requests). Such a window ran 15 to 30 % over its
 * server's others; the share of each is printed per window.
 *
 * Left out of every count: V8's optimizing compiler (its
 * `Compiler::CompileOptimized`, on the main thread under `--single-threaded`),
 * which still compiles a function now and then long after the warm-up and
 * landed a quarter of one window's count in a trial; it is a cost of
 * warming up, not of a request, and is printed per window beside the counts.
 *
 * A count of instructions does not move with what else runs on this shared
 * machine as much as CPU time does (the bench's A/A floors of 5 to 10 %):
 * undisturbed windows of one server agree within 0.2 to 2 %. It counts user
 * space only (every thread of the process: the JIT's and the collector's
 * too), not the kernel's work (the socket writes, about a third of a
 * request's CPU time on this route), and an instruction is not a fixed time:
 * a cache miss costs more than many instructions. So it says what code a server runs per
 * request, which is what the plugin, the telemetry and the logger change;
 * the CPU tables of `pnpm bench` say what that costs on this machine.
 *
 * Needs valgrind (`apt-get install valgrind`). Everything runs about fifty
 * times slower under it: world-mappers loads its gazetteer in minutes.
 *
 *   pnpm --filter @m2m/bench instruction-census [requests] [windows] [ids]
 *
 * `ids`: some servers only, comma-separated (`ours`): each is measured with
 * the server it is compared with, and that one's in turn; a bare route with
 * world-mappers, whose body it answers.
 *
 * With `CENSUS_CACHE_SIM=1` it also prints each server's misses per request
 * in callgrind's simulation of this processor's caches: the cache lines a
 * request touches that the caches do not hold, the server alone on them.
 *
 * Below the counts it lists the V8 runtime functions (`Runtime_*`) a request
 * calls: the only names callgrind gives inside JIT-compiled code. To find the
 * JavaScript that calls one, keep the dumps (`CENSUS_KEEP_DUMPS=<dir>`), run
 * with `CENSUS_NODE_FLAGS=--perf-basic-prof` (JIT code named from
 * `/tmp/perf-<pid>.map`) and read a dump with `census-callers` (who calls a
 * function) or two with `census-diff` (which functions differ).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { countDump, type DumpCount, readEventSummary } from './runner/callgrind-dump.js'
import {
  censusLoad,
  censusSidesFor,
  checkCensusAnswer,
  startCensusIssuer,
} from './runner/census-servers.js'
import { count, percent, renderText, spreadText } from './runner/format.js'
import { type Spread, spread } from './runner/rounds.js'

const requests = Number(process.argv[2] ?? 10_000)
const windows = Number(process.argv[3] ?? 3)
if (!Number.isInteger(requests) || requests < 500) throw new Error('requests: 500 or more')
if (!Number.isInteger(windows) || windows < 1) throw new Error('windows: 1 or more')
const SIDES = censusSidesFor(process.argv[4])

const AUDIENCE = 'urn:instruction-census'
/** Enough for the optimizing compiler to have settled on the request path. */
const WARM_UP = Math.max(20_000, requests * 2)
/** A request may wait this long: under valgrind the server stalls while V8 compiles. */
const LOAD_TIMEOUT_SECONDS = 120

if (spawnSync('valgrind', ['--version']).status !== 0) {
  throw new Error('valgrind is needed (Debian: apt-get install valgrind)')
}

/** `CENSUS_KEEP_DUMPS`: a directory to write callgrind's dumps to and leave them in. */
const keptDumps = process.env.CENSUS_KEEP_DUMPS
const dumps = keptDumps ?? (await mkdtemp(join(tmpdir(), 'instruction-census-')))
/** `CENSUS_NODE_FLAGS`: more node flags for every server (`--perf-basic-prof` names JIT code). */
const extraNodeFlags = (process.env.CENSUS_NODE_FLAGS ?? '')
  .split(' ')
  .filter((flag) => flag !== '')
/**
 * `CENSUS_CACHE_SIM=1`: callgrind also simulates this machine's caches (its first
 * level and last level, as valgrind reads them from the processor) and the
 * census prints each server's misses per request: what a request touches that
 * the caches do not hold, with no other process evicting anything. About twice as slow.
 */
const cacheSim = process.env.CENSUS_CACHE_SIM === '1'
/** A runtime function is listed from this many instructions a request. */
const RUNTIME_LISTED = 100

/**
 * valgrind names its channel to vgdb after the user and the host it reads from
 * the environment (`USER`/`LOGNAME`, `HOST`), and world-mappers is started with
 * `HOST` set to its listening address: callgrind_control must see the same ones.
 */
function callgrindControl(pid: number, option: '-z' | '-d'): void {
  const childEnv = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  )
  const env = { ...process.env }
  for (const name of ['HOST', 'USER', 'LOGNAME']) {
    if (childEnv[name] === undefined) delete env[name]
    else env[name] = childEnv[name]
  }
  const result = spawnSync('callgrind_control', [option, String(pid)], { encoding: 'utf8', env })
  if (result.status !== 0) {
    throw new Error(`callgrind_control ${option} ${pid}: ${result.stderr || result.stdout}`)
  }
}

/** The newest dump of `id`'s process, counted. */
async function lastDump(
  id: string,
  pid: number,
): Promise<DumpCount & { events: Map<string, number> }> {
  const prefix = `${id}.${pid}.out.`
  const numbers = (await readdir(dumps))
    .filter((file) => file.startsWith(prefix))
    .map((file) => Number(file.slice(prefix.length)))
  if (numbers.length === 0) throw new Error(`${id}: callgrind wrote no dump`)
  const file = join(dumps, `${prefix}${Math.max(...numbers)}`)
  return { ...countDump(file), events: readEventSummary(file) }
}

/** The simulated caches' misses, grouped: instruction fetches, data (first level), last level. */
const MISSES = {
  'first-level instruction misses': ['I1mr'],
  'first-level data misses': ['D1mr', 'D1mw'],
  'last-level misses': ['ILmr', 'DLmr', 'DLmw'],
} as const
type MissKind = keyof typeof MISSES
const MISS_KINDS = Object.keys(MISSES) as MissKind[]

const tenant = await startCensusIssuer(AUDIENCE)
const perRequest = new Map<string, number[]>()
/** Per server and kind, misses per request in each window (`CENSUS_CACHE_SIM`). */
const missesPerRequest = new Map<string, Record<MissKind, number[]>>()
const runtimePerRequest = new Map<string, Map<string, number>>()
try {
  for (const side of SIDES) {
    const launch = {
      wrapper: [
        'valgrind',
        '--tool=callgrind',
        // V8 writes machine code at run time: valgrind must see it change.
        '--smc-check=all-non-file',
        ...(cacheSim ? ['--cache-sim=yes'] : []),
        `--callgrind-out-file=${join(dumps, `${side.id}.%p.out`)}`,
      ],
      // Compiled and collected on the main thread: no background job lands in one
      // window rather than another, and the counts repeat.
      nodeFlags: ['--single-threaded', ...extraNodeFlags],
      startTimeoutMs: 900_000,
    }
    const started = Date.now()
    const server = await side.start(tenant.issuer, AUDIENCE, launch)
    try {
      const pid = server.child.process.pid as number
      await checkCensusAnswer(side, server, tenant.token)
      await censusLoad(server.url, tenant.token, WARM_UP, LOAD_TIMEOUT_SECONDS)
      const counts: number[] = []
      const compiling: number[] = []
      const collectingOld: number[] = []
      const runtime = new Map<string, number>()
      const misses = Object.fromEntries(MISS_KINDS.map((kind) => [kind, []])) as unknown as Record<
        MissKind,
        number[]
      >
      for (let window = 0; window < windows; window++) {
        callgrindControl(pid, '-z')
        await censusLoad(server.url, tenant.token, requests, LOAD_TIMEOUT_SECONDS)
        callgrindControl(pid, '-d')
        const dump = await lastDump(side.id, pid)
        counts.push((dump.instructions - dump.compiling) / requests)
        compiling.push(dump.compiling / dump.instructions)
        collectingOld.push(dump.collectingOld / dump.instructions)
        for (const kind of MISS_KINDS) {
          const sum = MISSES[kind].reduce(
            (total, event) => total + (dump.events.get(event) ?? 0),
            0,
          )
          misses[kind].push(sum / requests)
        }
        for (const [name, instructions] of dump.runtime) {
          runtime.set(name, (runtime.get(name) ?? 0) + instructions / requests / windows)
        }
      }
      perRequest.set(side.id, counts)
      runtimePerRequest.set(side.id, runtime)
      if (cacheSim) missesPerRequest.set(side.id, misses)
      console.error(
        `${side.id}: ${counts.map((c) => count(c)).join(', ')} instructions per request in ${windows} windows, after the optimizing compiler's ${compiling.map(percent).join(', ')}; old-generation collection ${collectingOld.map(percent).join(', ')} (${Math.round((Date.now() - started) / 1000)} s)`,
      )
    } finally {
      await server.child.stop()
    }
  }
} finally {
  await tenant.close()
  if (!keptDumps) await rm(dumps, { recursive: true, force: true })
}

const spreadOf = (id: string): Spread => spread(perRequest.get(id) ?? [])
const instructions = (value: number) => count(value)
console.log(
  renderText({
    title: `Instructions per request in user space (valgrind callgrind, every thread of the server, V8's optimizing compiler left out; ${windows} windows of ${count(requests)} requests after ${count(WARM_UP)} to warm up, median (min–max); compared on each server's least disturbed window, its fewest; node ${process.version})`,
    columns: ['server', 'instructions per request', 'fewest, more than', 'it keeps of that one'],
    rows: SIDES.map(({ id, label, baseline }) => {
      const own = spreadOf(id)
      if (!baseline || !perRequest.has(baseline)) {
        return [label, spreadText(own, instructions), '-', '-']
      }
      const base = spreadOf(baseline)
      const more = own.min - base.min
      return [
        label,
        spreadText(own, instructions),
        `${more < 0 ? '−' : '+'}${count(Math.abs(more))} (${baseline})`,
        `${(base.min / own.min).toFixed(3)}x`,
      ]
    }),
  }),
)

console.log(
  renderText({
    title: `V8 runtime functions a request calls, each with what it calls (from ${count(RUNTIME_LISTED)} instructions a request; the mean of the windows)`,
    columns: ['server', 'runtime function', 'instructions per request', 'more than'],
    rows: SIDES.flatMap(({ id, baseline }) => {
      const own = runtimePerRequest.get(id) ?? new Map<string, number>()
      const base = baseline ? runtimePerRequest.get(baseline) : undefined
      return [...own]
        .filter(([, instructions]) => instructions >= RUNTIME_LISTED)
        .sort(([, a], [, b]) => b - a)
        .map(([name, instructions]) => {
          const more = base ? instructions - (base.get(name) ?? 0) : undefined
          return [
            id,
            `Runtime_${name}`,
            count(instructions),
            more === undefined
              ? '-'
              : `${more < 0 ? '−' : '+'}${count(Math.abs(more))} (${baseline})`,
          ]
        })
    }),
  }),
)

/** A server's misses in the window where it ran the fewest instructions (the others had more besides requests). */
function leastDisturbedMisses(id: string): Record<MissKind, number> | undefined {
  const counts = perRequest.get(id)
  const misses = missesPerRequest.get(id)
  if (!counts || !misses || counts.length === 0) return undefined
  const window = counts.indexOf(Math.min(...counts))
  return Object.fromEntries(
    MISS_KINDS.map((kind) => [kind, misses[kind][window] as number]),
  ) as Record<MissKind, number>
}

if (cacheSim) {
  const misses = (value: number) => value.toFixed(0)
  console.log(
    renderText({
      title: `Simulated cache misses per request (callgrind --cache-sim=yes, this processor's first-level and last-level caches, the server alone on them; every thread, the optimizing compiler's included; in each server's least disturbed window, the one with the fewest instructions; in brackets, more than the server it is compared with)`,
      columns: ['server', ...MISS_KINDS],
      rows: SIDES.map(({ id, label, baseline }) => {
        const own = leastDisturbedMisses(id)
        const base = baseline ? leastDisturbedMisses(baseline) : undefined
        return [
          label,
          ...MISS_KINDS.map((kind) => {
            const value = own?.[kind] ?? Number.NaN
            const baseValue = base?.[kind]
            if (baseValue === undefined) return misses(value)
            const more = value - baseValue
            return `${misses(value)} (${more < 0 ? '−' : '+'}${misses(Math.abs(more))})`
          }),
        ]
      }),
    }),
  )
}

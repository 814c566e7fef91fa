/**
 * Two servers measured at the same moment rather than one after the other:
 * both pinned to the server core, both loaded at once from this process
 * (pinned to the load core, 25 connections each, one valid RS256 token),
 * each one's CPU per request read from `/proc` in windows. This machine's
 * speed moves in steps of a third to a half that last from seconds to
 * minutes (`drift`); alternating rounds put two servers in different steps
 * whenever one comes between their runs, while two servers sharing a core
 * and the same seconds share its steps too. What it gives up: each server
 * has half a core, and each refills its caches after the other ran, so a
 * figure is not the bench's, and the ratio can understate the server with
 * more code and data to refill (an A/A pair cancels the machine's steps,
 * not that). Run an A/A pair (`no-auth,no-auth`) beside the pair of
 * interest for the floor.
 *
 *   pnpm --filter @m2m/bench paired [a,b] [windows] [seconds]
 *
 * `a,b`: two census servers (`runner/census-servers.ts`; the same id twice
 * is two servers), default `no-auth,ours`; scenario 8's bare routes answer
 * world-mappers' body, so world-mappers answers first (`bare,world-mappers`
 * pairs the app with the bare route); `windows` (12) of `seconds` (5),
 * after a 5-s warm-up of both, each window a load of its own, which of the
 * two the load connects to first alternating (the first ran about 2 %
 * cheaper in an A/A pair when it was always the same one). Prints per window
 * each one's CPU per request and what `b` keeps of `a` (a's CPU per request
 * / b's), and their median with min–max. With `PAIRED_PERF_STAT=1`, also what
 * the kernel did for each over the windows, per request (`perf stat`: system
 * calls, page faults, context switches). With `PAIRED_B_GEOCODING=<seconds>`,
 * b (world-mappers) first answers that long of geocoding queries
 * (`runner/geocoding-traffic.ts`; the geocoder's evaluation set, generated
 * from GeoNames with a fixed seed: a user's mix, where the run's shared
 * world-mappers has answered scenario 5's 54 fixed queries by scenario 8):
 * `world-mappers,world-mappers` then says what those requests leave in an app.
 * With `PAIRED_FLAMEGRAPHS=1`, both servers run under V8's CPU profiler and,
 * once stopped, their flame graphs are written to
 * `bench/.cache/flamegraphs/<a>-vs-<b>-<time>/` (`a`, `b`, and `b-vs-a`, b's
 * frames coloured by their difference with a's; HTML and PNG): where the
 * microseconds between the two go, frame by frame. The profiler costs both
 * servers CPU: the run's figures are not the bench's.
 */
import { join } from 'node:path'
import { buildEvaluationSet } from './geocoder/evaluation.js'
import {
  flameGraphFolder,
  flameGraphReport,
  type ProfiledServer,
  writeFlameGraphs,
} from './report/flame-graphs.js'
import {
  answerBodiesFirst,
  type CensusServer,
  type CensusSide,
  censusSide,
  checkCensusAnswer,
  startCensusIssuer,
} from './runner/census-servers.js'
import { renderText, spreadText } from './runner/format.js'
import { sendGeocodingTraffic } from './runner/geocoding-traffic.js'
import { keepsByWindow, measurePaired, totalCost } from './runner/paired-windows.js'
import { cpuProfileFlags } from './runner/paths.js'
import { KERNEL_EVENTS, type PerfStat, startPerfStat } from './runner/perf-stat.js'
import { pinThisProcessToLoadCore } from './runner/processes.js'
import { spread } from './runner/rounds.js'
import { loadInTicks, type TickTarget } from './runner/tick-load.js'
import type { WindowCost } from './runner/windows.js'

const ids = (process.argv[2] ?? 'no-auth,ours').split(',')
const windows = Number(process.argv[3] ?? 12)
const seconds = Number(process.argv[4] ?? 5)
if (ids.length !== 2) throw new Error('two servers: a,b')
if (!Number.isInteger(windows) || windows < 1) throw new Error('windows: 1 or more')
if (!Number.isInteger(seconds) || seconds < 1) throw new Error('seconds: 1 or more')
const sides = ids.map(censusSide)
const countKernel = process.env.PAIRED_PERF_STAT === '1'
const geocodingSeconds = Number(process.env.PAIRED_B_GEOCODING ?? 0)
if (!Number.isInteger(geocodingSeconds) || geocodingSeconds < 0) {
  throw new Error('PAIRED_B_GEOCODING: whole seconds')
}
if (geocodingSeconds > 0 && sides[1]?.id !== 'world-mappers') {
  throw new Error('PAIRED_B_GEOCODING: b must be world-mappers')
}
// A profile holds all a server did from its first request: b's would be mostly the geocoding.
if (geocodingSeconds > 0 && process.env.PAIRED_FLAMEGRAPHS === '1') {
  throw new Error('PAIRED_B_GEOCODING and PAIRED_FLAMEGRAPHS: one or the other')
}

const flameGraphDir =
  process.env.PAIRED_FLAMEGRAPHS === '1'
    ? flameGraphFolder(ids[0] ?? 'a', ids[1] ?? 'b')
    : undefined
/** V8's sampling interval for the flame graphs, in µs: four times its default's rate. */
const PROFILE_INTERVAL_MICROS = 250
const profileDirOf = (index: number) => join(flameGraphDir as string, index === 0 ? 'a' : 'b')
/** The servers' CPU per request over the windows, once measured (for the flame graphs). */
let measured: [number, number] | undefined

const AUDIENCE = 'urn:paired'
const WARM_UP_SECONDS = 5
pinThisProcessToLoadCore()

const issuer = await startCensusIssuer(AUDIENCE)
const servers: CensusServer[] = []
try {
  // A bare route answers world-mappers' body: world-mappers answers first.
  const bodyFirst = sides.find((side) => side.after !== undefined)?.after
  const startOrder = [...sides.keys()].sort(
    (x, y) => Number(sides[x]?.id !== bodyFirst) - Number(sides[y]?.id !== bodyFirst),
  )
  await answerBodiesFirst(
    startOrder.map((index) => sides[index] as CensusSide),
    issuer,
    AUDIENCE,
  )
  for (const index of startOrder) {
    const side = sides[index] as CensusSide
    const launch = flameGraphDir
      ? { nodeFlags: cpuProfileFlags(profileDirOf(index), PROFILE_INTERVAL_MICROS) }
      : {}
    const server = await side.start(issuer.issuer, AUDIENCE, launch)
    servers[index] = server
    await checkCensusAnswer(side, server, issuer.token)
  }
  const targets = servers.map((server) => ({
    url: server.url,
    pid: server.child.process.pid as number,
  }))
  const authorizations = [`Bearer ${issuer.token}`]
  if (geocodingSeconds > 0) {
    const base = new URL((servers[1] as CensusServer).url).origin
    // The geocoder's evaluation set, generated from GeoNames (seed 17): up to 150 queries in
    // each of the seven categories people type, typos and other scripts among them (1,047).
    const queries = (await buildEvaluationSet(150)).map(({ query }) => query)
    const answered = await sendGeocodingTraffic(
      base,
      `Bearer ${issuer.token}`,
      geocodingSeconds,
      queries,
    )
    console.log(
      `b answered ${answered.toLocaleString('en-US')} geocoding queries (${queries.length.toLocaleString('en-US')} generated, round robin) in ${geocodingSeconds} s first`,
    )
  }
  // The warm-up here rather than in measurePaired, so that perf counts the windows alone.
  await loadInTicks(targets, authorizations, 25, WARM_UP_SECONDS)
  const kernel: PerfStat[] = countKernel ? targets.map((target) => startPerfStat(target.pid)) : []
  const paired = await measurePaired(targets as [TickTarget, TickTarget], authorizations, {
    connections: 25,
    windows,
    seconds,
    warmUpSeconds: 0,
  })
  const kernelCounts = await Promise.all(kernel.map((stat) => stat.stop()))
  const a = paired.a.map(totalCost)
  const b = paired.b.map(totalCost)
  const keeps = keepsByWindow(paired)
  measured = [spread(a).median, spread(b).median]
  const micros = (value: number) => value.toFixed(1)
  const times = (value: number) => `${value.toFixed(3)}x`
  const [labelA, labelB] = sides.map((side) => `${side.id} (${side.label})`) as [string, string]
  console.log(
    renderText({
      title: `Two servers on one core at once, 25 connections each, ${seconds}-s windows after ${WARM_UP_SECONDS} s: CPU per request (µs, from /proc) and what b keeps of a (a's / b's); node ${process.version}`,
      columns: [
        'window',
        `a: ${ids[0]}`,
        `b: ${ids[1]}`,
        'b keeps of a',
        'user a / b',
        'kernel a / b',
      ],
      rows: [
        ...a.map((cost, index) => {
          const [wa, wb] = [paired.a[index], paired.b[index]] as [WindowCost, WindowCost]
          return [
            String(index + 1),
            micros(cost),
            micros(b[index] as number),
            times(keeps[index] as number),
            `${micros(wa.user)} / ${micros(wb.user)}`,
            `${micros(wa.system)} / ${micros(wb.system)}`,
          ]
        }),
        [
          'median (min–max)',
          spreadText(spread(a), micros),
          spreadText(spread(b), micros),
          spreadText(spread(keeps), times),
          '',
          '',
        ],
      ],
    }),
  )
  const shares = (costs: WindowCost[]) =>
    `user space ${micros(spread(costs.map((w) => w.user)).median)}, kernel ${micros(spread(costs.map((w) => w.system)).median)} (medians)`
  console.log(`a: ${labelA}: ${shares(paired.a)}\nb: ${labelB}: ${shares(paired.b)}`)
  const [countsA, countsB] = kernelCounts
  if (countsA && countsB) {
    const { responses } = paired
    const perRequest = (counts: Map<string, number>, event: string, requests: number) => {
      const count = counts.get(event)
      return count === undefined ? 'not counted' : (count / requests).toFixed(3)
    }
    console.log(
      renderText({
        title: `What the kernel did for each over the ${windows} windows (perf stat), per request (a: ${responses.a.toLocaleString('en-US')} requests, b: ${responses.b.toLocaleString('en-US')})`,
        columns: ['event', 'a', 'b'],
        rows: KERNEL_EVENTS.map((event) => [
          event,
          perRequest(countsA, event, responses.a),
          perRequest(countsB, event, responses.b),
        ]),
      }),
    )
  }
} finally {
  // Holes where a start failed.
  for (const server of servers) await server?.child.stop()
  await issuer.close()
}
// The profiles are written as the servers exit.
if (flameGraphDir && measured) {
  const costs = measured
  const profiled = sides.map(
    (side, index): ProfiledServer => ({
      id: side.id,
      label: side.label,
      profileDir: profileDirOf(index),
      microsPerRequest: costs[index] as number,
    }),
  ) as [ProfiledServer, ProfiledServer]
  const written = await writeFlameGraphs(
    flameGraphDir,
    ...profiled,
    `V8 CPU profile (a sample every ${PROFILE_INTERVAL_MICROS} µs) of the busy time from the first request on, warm-up included, while both servers shared the server core (\`paired\`); widths are µs of CPU per request: the server's median over the windows (from /proc, profiler running) spread over its samples.`,
  )
  console.log(flameGraphReport(...profiled, written))
}

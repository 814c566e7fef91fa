/**
 * What a request allocates, server by server: the resource servers of
 * scenario 1 (no auth, one empty hook, ours) and the servers of scenario 8
 * (the bare route alone, with the auth plugin, with the telemetry, with every
 * part world-mappers registers, and world-mappers itself). Each runs in a
 * child of its own with V8's sampling heap profiler (`runner/allocation-sampler.ts`),
 * counting the objects already freed too; after a warm-up, `requests` GETs with
 * one valid RS256 token are sampled. Prints bytes per request by package, then
 * the sites that allocate more than the server each is compared with; last,
 * the garbage collections of as many requests just before, with no profiler
 * running: how many scavenges and mark-compacts, and their pauses.
 *
 * Allocation is counted, not timed: the figures do not depend on what else
 * runs on this machine. Every byte allocated is work for the young-generation
 * garbage collector, and every object that survives a collection is copied.
 *
 *   pnpm --filter @m2m/bench alloc-census [requests]
 */
import {
  type AllocationSites,
  packageOf,
  perRequestByPackage,
  sitesAbove,
} from './runner/allocation-sites.js'
import {
  CENSUS_SIDES,
  censusLoad,
  checkCensusAnswer,
  startCensusIssuer,
} from './runner/census-servers.js'
import { renderText } from './runner/format.js'
import type { GcTally } from './runner/gc-tally.js'
import { benchScript } from './runner/paths.js'
import { type Child, isMessage } from './runner/processes.js'

const requests = Number(process.argv[2] ?? 50_000)
if (!Number.isInteger(requests) || requests < 1_000) throw new Error('requests: 1,000 or more')

const AUDIENCE = 'urn:alloc-census'
const SAMPLER = benchScript('runner/allocation-sampler.ts')
/** After tsx, so that the sampler's TypeScript loads. */
const launch = { nodeFlags: ['--import', 'tsx', '--import', SAMPLER] }
const SIDES = CENSUS_SIDES

interface Sample {
  sites: AllocationSites
  gc: GcTally
}

/** Over IPC with the preloaded sampler: `start`, then `run`, then `stop` and its answer. */
async function window<T>(
  child: Child,
  kind: 'alloc' | 'gc',
  answer: string,
  run: () => Promise<void>,
): Promise<T> {
  const started = child.nextMessage((m): m is { type: string } => isMessage(m, `${kind}-started`))
  child.send({ type: `${kind}-start` })
  await started
  await run()
  const stopped = child.nextMessage((m): m is T => isMessage(m, answer))
  child.send({ type: `${kind}-stop` })
  return stopped
}

/**
 * The garbage collections over `run`, then bytes by site over a second `run`: in
 * that order, so that no profiler has run in the process whose pauses are timed.
 */
async function sample(child: Child, run: () => Promise<void>): Promise<Sample> {
  const { gc } = await window<{ gc: GcTally }>(child, 'gc', 'gc-tally', run)
  const { sites } = await window<{ sites: AllocationSites }>(child, 'alloc', 'alloc-profile', run)
  return { sites, gc }
}

const tenant = await startCensusIssuer(AUDIENCE)
const measured = new Map<string, Sample>()
try {
  for (const side of SIDES) {
    const server = await side.start(tenant.issuer, AUDIENCE, launch)
    try {
      await checkCensusAnswer(side, server, tenant.token)
      await censusLoad(server.url, tenant.token, Math.max(20_000, requests / 2))
      measured.set(
        side.id,
        await sample(server.child, () => censusLoad(server.url, tenant.token, requests)),
      )
      console.error(`${side.id}: 2 × ${requests.toLocaleString('en-US')} requests measured`)
    } finally {
      await server.child.stop()
    }
  }
} finally {
  await tenant.close()
}

const sitesOf = (id: string) => measured.get(id)?.sites ?? {}
const packages = new Map(SIDES.map(({ id }) => [id, perRequestByPackage(sitesOf(id), requests)]))
const totalOf = (id: string) =>
  Object.values(packages.get(id) ?? {}).reduce((sum, bytes) => sum + bytes, 0)
const packageNames = [
  ...new Set([...packages.values()].flatMap((byPackage) => Object.keys(byPackage))),
].sort((a, b) => totalAcross(b) - totalAcross(a))
function totalAcross(name: string): number {
  return [...packages.values()].reduce((sum, byPackage) => sum + (byPackage[name] ?? 0), 0)
}
const bytes = (value: number | undefined) =>
  value === undefined || value < 0.5 ? '-' : Math.round(value).toLocaleString('en-US')
const signed = (value: number) =>
  `${value < 0 ? '−' : '+'}${Math.abs(Math.round(value)).toLocaleString('en-US')}`

console.log(
  renderText({
    title: `Bytes allocated per request (sampled: V8's sampling heap profiler, freed objects included, ${requests.toLocaleString('en-US')} requests after a warm-up; node ${process.version})`,
    columns: ['server', 'all', 'more than', ...packageNames],
    rows: SIDES.map(({ id, label, baseline }) => [
      label,
      bytes(totalOf(id)),
      baseline ? `${signed(totalOf(id) - totalOf(baseline))} (${baseline})` : '-',
      ...packageNames.map((name) => bytes(packages.get(id)?.[name])),
    ]),
  }),
)
/** A site with its path from the workspace's `node_modules`, `packages` or `apps` on. */
function shortSite(site: string): string {
  return site.replace(/ \S*\/(node_modules|packages|apps)\//, ' $1/')
}

// Node's own sites move between its functions with the timing of the writes, so only
// the sites of the packages above it are listed one by one.
const listed = (site: string) => !['Node.js', 'V8 and native code'].includes(packageOf(site))
for (const { id, label, baseline } of SIDES) {
  if (!baseline) continue
  const above = sitesAbove(sitesOf(id), requests, sitesOf(baseline), requests, 8)
    .filter(([site]) => listed(site))
    .slice(0, 12)
  console.log(`\n${label}, sites above ${baseline} (bytes per request):`)
  for (const [site, more] of above) {
    console.log(`${bytes(more).padStart(7)}  ${shortSite(site)}`)
  }
  if (above.length === 0) console.log('      -  none of 8 bytes or more')
}

const PER = 10_000
const perRequests = (value: number) => ((value * PER) / requests).toFixed(1)
console.log(
  `\n${renderText({
    title: `Garbage collection per ${PER.toLocaleString('en-US')} requests (${requests.toLocaleString('en-US')} requests before the sampled ones, no profiler running; pauses timed on the main thread move with the machine, the counts do not)`,
    columns: ['server', 'scavenges', 'their ms', 'mark-compacts', 'their ms', 'other pauses ms'],
    rows: SIDES.map(({ id, label }) => {
      const gc = measured.get(id)?.gc
      if (!gc) return [label, '-', '-', '-', '-', '-']
      return [
        label,
        perRequests(gc.scavenges),
        perRequests(gc.scavengeMs),
        perRequests(gc.markCompacts),
        perRequests(gc.markCompactMs),
        perRequests(gc.otherMs),
      ]
    }),
  })}`,
)

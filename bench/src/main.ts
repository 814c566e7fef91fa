/**
 * `pnpm bench`: the scenarios of bench/README.md, ours and the peers in the
 * same run, tables with ratios on stdout, everything in results/latest.json
 * (a complete full run; quick and --only runs write quick.json, partial.json).
 * Exits 1 when a variant errored or failed its accept/reject check, never
 * because of a figure.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type BenchTenant, startBenchTenant, TENANT_RATE_LIMIT } from './runner/bench-tenant.js'
import { untilCoreQuiet } from './runner/core-quiet.js'
import { describeFigure, describeTarget, renderMarkdown, renderText } from './runner/format.js'
import { type LoadGenerator, startLoadGenerator } from './runner/load.js'
import { describeMachine } from './runner/machine.js'
import {
  describeOnePace,
  describePace,
  measurePace,
  type Pace,
  type PaceAround,
} from './runner/machine-pace.js'
import { profileFlags, resultsDir } from './runner/paths.js'
import { pinning } from './runner/processes.js'
import { type BenchSettings, parseSettings } from './runner/settings.js'
import type { BenchContext, ScenarioResult } from './runner/types.js'
import { SCENARIOS } from './scenarios/index.js'

let settings: BenchSettings
try {
  settings = parseSettings(process.argv.slice(2))
} catch (error) {
  console.error((error as Error).message)
  process.exit(2)
}
const unknown = settings.only.filter((id) => !SCENARIOS.some((s) => s.id === id))
if (unknown.length > 0) {
  console.error(
    `unknown scenario ${unknown.join(', ')}; there are ${SCENARIOS.map((s) => s.id).join(', ')}`,
  )
  process.exit(2)
}

const started = performance.now()
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`
const log = (line: string) => console.log(`[${elapsed()}] ${line}`)
const stops: Array<() => Promise<void>> = []
const sharedValues = new Map<string, Promise<unknown>>()

async function stopAll() {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {})
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130))
  })
}

const machine = describeMachine()
log(
  `${settings.quick ? 'quick' : 'full'} run on ${machine.cpu} (${machine.cores} cores), node ${machine.node}; ${machine.pinning}`,
)
const results: Array<
  { id: string; title: string; seconds: number; pace?: PaceAround } & ScenarioResult
> = []
// A probe that fails leaves the scenario without its pace, never fails the run.
const paceNow = () => measurePace(pinning?.server).catch(() => undefined)
/**
 * The pace around a scenario, once the server core is quiet: the processes of
 * the run that start or exit there (the tenant compiling, the last scenario's
 * servers going away) would otherwise be timed as the machine.
 */
const paceWhenQuiet = async () => {
  if (pinning) {
    const { quiet, waitedMs, lastShare } = await untilCoreQuiet(pinning.server)
    if (!quiet || waitedMs > 1_500) {
      log(
        `  the server core ${quiet ? 'quiet' : `still ${(lastShare * 100).toFixed(0)} % busy`} after ${(waitedMs / 1000).toFixed(1)} s`,
      )
    }
  }
  return paceNow()
}
/** The paces taken at the start of the running scenario's rounds. */
let roundPaces: Pace[] = []
let exitCode = 0
try {
  const [tenant, load] = await Promise.all([
    startBenchTenant(settings.cpuProfile ? { nodeFlags: profileFlags('auth-server') } : {}),
    startLoadGenerator(),
  ]).catch(async (error) => {
    await stopAll()
    throw error
  })
  stops.push(
    () => (tenant as BenchTenant).stop(),
    () => (load as LoadGenerator).stop(),
  )
  log(
    `tenant ${tenant.issuer} (token rate limits ${TENANT_RATE_LIMIT.toLocaleString('en-US')}/s per client and per IP)`,
  )

  const context: BenchContext = {
    settings,
    tenant,
    load,
    log,
    async startRound(index) {
      const pace = await paceNow()
      if (pace) roundPaces.push(pace)
      log(
        `  round ${index + 1}/${settings.rounds}${pace ? ` (pace: ${describeOnePace(pace)})` : ''}`,
      )
    },
    shared<T>(key: string, start: () => Promise<T>, stop: (value: T) => Promise<void>) {
      let value = sharedValues.get(key) as Promise<T> | undefined
      if (!value) {
        value = start()
        sharedValues.set(key, value)
        const started = value
        stops.push(async () => stop(await started))
      }
      return value
    },
  }

  const chosen = SCENARIOS.filter((s) => settings.only.length === 0 || settings.only.includes(s.id))
  let prepared = !settings.quick
  for (const scenario of chosen) {
    if (!prepared && (scenario.tolerant || scenario.prepare)) {
      prepared = true
      for (const later of chosen.slice(chosen.indexOf(scenario))) later.prepare?.(context)
    }
    log(`scenario ${scenario.id}: ${scenario.title}`)
    const paceBefore = await paceWhenQuiet()
    roundPaces = []
    const scenarioStarted = performance.now()
    let result: ScenarioResult
    try {
      result = await scenario.run(context)
    } catch (error) {
      result = {
        tables: [],
        notes: [],
        failures: [`scenario ${scenario.id} failed: ${(error as Error).stack ?? error}`],
        targets: [],
        measurements: {},
      }
    }
    const seconds = Math.round((performance.now() - scenarioStarted) / 100) / 10
    const paceAfter = await paceWhenQuiet()
    const pace =
      paceBefore && paceAfter
        ? { before: paceBefore, after: paceAfter, rounds: roundPaces }
        : undefined
    results.push({
      id: scenario.id,
      title: scenario.title,
      seconds,
      ...(pace && { pace }),
      ...result,
    })
    console.log('')
    for (const table of result.tables) console.log(`${renderText(table)}\n`)
    for (const note of result.notes) console.log(`  note: ${note}`)
    for (const t of result.targets) console.log(`  ${describeTarget(t)}`)
    for (const f of result.figures ?? []) console.log(`  ${describeFigure(f)}`)
    for (const failure of result.failures) console.log(`  FAILED: ${failure}`)
    if (pace) console.log(`  the server core's pace before and after: ${describePace(pace)}`)
    console.log('')
  }
} catch (error) {
  console.error(`bench could not run: ${(error as Error).stack ?? error}`)
  exitCode = 1
} finally {
  await stopAll()
}

const failures = results.flatMap((r) => r.failures)
const report = {
  date: new Date().toISOString(),
  mode: settings.quick ? 'quick' : 'full',
  machine,
  settings,
  seconds: Math.round((performance.now() - started) / 100) / 10,
  scenarios: results,
}
// Only a complete full run is the record the READMEs are made from; others go beside it.
const name = settings.quick ? 'quick' : settings.only.length > 0 ? 'partial' : 'latest'
await mkdir(resultsDir, { recursive: true })
await writeFile(join(resultsDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`)
await writeFile(
  join(resultsDir, `${name}.md`),
  [
    `Measured ${report.date.slice(0, 10)} (${report.mode} run, ${report.seconds} s) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}; ${machine.pinning}.`,
    ...results.flatMap((r) => [
      `### ${r.id}. ${r.title}`,
      ...r.tables.map(renderMarkdown),
      ...(r.targets.length > 0 ? [r.targets.map((t) => `- ${describeTarget(t)}`).join('\n')] : []),
      ...((r.figures ?? []).length > 0
        ? [(r.figures ?? []).map((f) => `- ${describeFigure(f)}`).join('\n')]
        : []),
      ...(r.failures.length > 0 ? [r.failures.map((f) => `- FAILED: ${f}`).join('\n')] : []),
    ]),
  ].join('\n\n'),
)
const targets = results.flatMap((r) => r.targets)
const verdicts = (verdict: string) => targets.filter((t) => t.verdict === verdict).length
log(
  `done: ${results.length} scenarios, ${failures.length} failures; targets ${verdicts('met')} met, ${verdicts('missed')} missed, ${verdicts('not distinguishable')} not distinguishable; results/${name}.json written`,
)
process.exit(failures.length > 0 ? 1 : exitCode)

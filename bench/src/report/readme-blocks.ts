import { figureParts, renderMarkdown, targetParts } from '../runner/format.js'
import { describePace, type PaceAround } from '../runner/machine-pace.js'
import type { ScenarioResult } from '../runner/types.js'

/** What `pnpm bench` writes to results/latest.json. */
export interface BenchReport {
  date: string
  mode: 'full' | 'quick'
  machine: {
    cpu: string
    cores: number
    memoryGiB: number
    node: string
    platform: string
    pinning: string
  }
  seconds: number
  scenarios: Array<
    { id: string; title: string; seconds: number; pace?: PaceAround } & ScenarioResult
  >
}

/** What `pnpm soak --json bench/results/soak.json` writes (the fields shown here). */
export interface SoakReport {
  durationS: number
  connections: number
  requests: number
  requestsPerSecond: number
  statusCodes: Record<string, number>
  errors: { total: number }
  latencyMs: { p50: number; p99: number; max: number }
  memory: Array<{
    service: string
    startMiB: number
    peakMiB: number
    halfMiB: number
    endMiB: number
    cpuPercent: number
  }>
}

/**
 * The generated blocks by name: `summary` (the top README), `latest`
 * (bench/README), `scenario6` and `soak` (the gift-deliveries README).
 */
export function renderBlocks(report: BenchReport, soak?: SoakReport): Record<string, string> {
  const { machine } = report
  const measured = `Measured ${report.date.slice(0, 10)} by \`pnpm bench\` (${report.mode} run, ${Math.round(report.seconds)} s) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}; ${machine.pinning}.`
  const summary = [
    measured,
    '',
    '| scenario | comparison | median (min–max, rounds, A/A floor) | target | verdict |',
    '| --- | --- | ---: | ---: | --- |',
    ...report.scenarios.flatMap((scenario) => [
      ...scenario.targets.map((t) => {
        const { value, rounds, wanted } = targetParts(t)
        const figure = rounds ? `${value} (${rounds})` : value
        return `| ${scenario.id}. ${scenario.title} | ${t.name} | ${figure} | ${wanted} | ${t.verdict} |`
      }),
      // Figures with no target: shown, never judged.
      ...(scenario.figures ?? []).map((f) => {
        const { value, rounds } = figureParts(f)
        return `| ${scenario.id}. ${scenario.title} | ${f.name} | ${rounds ? `${value} (${rounds})` : value} | - | reported |`
      }),
    ]),
  ].join('\n')
  const latest = [
    measured,
    ...report.scenarios.flatMap((r) => [`### ${r.id}. ${r.title}`, ...scenarioParts(r)]),
  ].join('\n\n')
  const blocks: Record<string, string> = { summary, latest }
  const deliveries = report.scenarios.find((r) => r.id === '6')
  if (deliveries) blocks.scenario6 = [measured, ...scenarioParts(deliveries)].join('\n\n')
  const geocoder = report.scenarios.find((r) => r.id === '5')
  if (geocoder) blocks.scenario5 = [measured, ...scenarioParts(geocoder)].join('\n\n')
  if (soak) blocks.soak = renderSoak(soak)
  return blocks
}

function scenarioParts(r: BenchReport['scenarios'][number]): string[] {
  return [
    ...r.tables.map(renderMarkdown),
    ...(r.notes.length > 0 ? [r.notes.map((n) => `- ${n}`).join('\n')] : []),
    ...(r.targets.length > 0 ? [r.targets.map(targetLine).join('\n')] : []),
    ...((r.figures ?? []).length > 0 ? [(r.figures ?? []).map(figureLine).join('\n')] : []),
    ...(r.failures.length > 0 ? [r.failures.map((f) => `- FAILED: ${f}`).join('\n')] : []),
    ...(r.pace ? [`- ${PACE_LEGEND}: ${describePace(r.pace)}`] : []),
  ]
}

const PACE_LEGEND =
  "the server core's pace before and after the scenario, and at the start of each round (CPU time of fixed work in a new process pinned there; lower is faster; `runner/machine-pace.ts`)"

/**
 * Issue 13's soak targets: 4× the 294 requests/s it measured, p99 under 250 ms, no error,
 * gift-deliveries at most 400 MiB once 10,000 deliveries or more are stored.
 */
const SOAK_TARGETS = { requestsPerSecond: 4 * 294, p99Ms: 250, deliveries: 10_000, rssMiB: 400 }

function renderSoak(soak: SoakReport): string {
  const n = (v: number) => Math.round(v).toLocaleString('en-US')
  const verdict = (met: boolean) => (met ? '**met**' : '**missed**')
  const created = (soak.statusCodes['201'] ?? 0) + (soak.statusCodes['202'] ?? 0)
  const deliveries = soak.memory.find((m) => m.service === 'gift-deliveries')
  const rssMet =
    deliveries !== undefined &&
    created >= SOAK_TARGETS.deliveries &&
    deliveries.endMiB <= SOAK_TARGETS.rssMiB
  return [
    `\`pnpm soak --duration ${Math.round(soak.durationS)} --json bench/results/soak.json\` (${soak.connections} connections: creates, reads by id and list pages, through the built services): ${n(soak.requests)} requests, **${n(soak.requestsPerSecond)} requests/s**, latency p50 ${soak.latencyMs.p50} ms, **p99 ${soak.latencyMs.p99} ms**, max ${soak.latencyMs.max} ms, **${soak.errors.total} errors**.`,
    '',
    '| service | RSS at start | at half time | at the end | peak | growth over the second half | CPU (share of a core) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...soak.memory.map(
      (m) =>
        `| ${m.service} | ${n(m.startMiB)} MiB | ${n(m.halfMiB)} MiB | ${n(m.endMiB)} MiB | ${n(m.peakMiB)} MiB | ${n(m.endMiB - m.halfMiB)} MiB | ${n(m.cpuPercent)} % |`,
    ),
    '',
    [
      `- ${verdict(soak.requestsPerSecond >= SOAK_TARGETS.requestsPerSecond)} at least ${n(SOAK_TARGETS.requestsPerSecond)} requests/s (4× issue #13's 294): ${n(soak.requestsPerSecond)}`,
      `- ${verdict(soak.latencyMs.p99 < SOAK_TARGETS.p99Ms)} p99 under ${SOAK_TARGETS.p99Ms} ms: ${soak.latencyMs.p99} ms`,
      `- ${verdict(soak.errors.total === 0)} no error: ${soak.errors.total}`,
      `- ${verdict(rssMet)} gift-deliveries RSS at most ${SOAK_TARGETS.rssMiB} MiB after ${n(SOAK_TARGETS.deliveries)} deliveries or more: ${deliveries ? n(deliveries.endMiB) : '-'} MiB after ${n(created)}`,
    ].join('\n'),
  ].join('\n')
}

/** A target as a Markdown list item: `- **met** name: 1.02x [0.98x–1.05x …] (target >= 0.95x)`. */
function targetLine(t: ScenarioResult['targets'][number]): string {
  const { value, rounds, wanted } = targetParts(t)
  return `- **${t.verdict}** ${t.name}: ${value}${rounds ? ` [${rounds}]` : ''} (target ${wanted})`
}

/** A figure as a Markdown list item: `- **figure** name: 1.12x [1.05x–1.20x …] (no target)`. */
function figureLine(f: NonNullable<ScenarioResult['figures']>[number]): string {
  const { value, rounds } = figureParts(f)
  return `- **figure** ${f.name}: ${value}${rounds ? ` [${rounds}]` : ''} (no target)`
}

const marker = (name: string, end: 'start' | 'end') => `<!-- bench:${name}:${end} -->`

/** `text` with each block present in it replaced by its new content. */
export function replaceBlocks(text: string, blocks: Record<string, string>): string {
  let out = text
  for (const [name, content] of Object.entries(blocks)) {
    const start = out.indexOf(marker(name, 'start'))
    const end = out.indexOf(marker(name, 'end'))
    if (start === -1 || end === -1 || end < start) continue
    out = `${out.slice(0, start + marker(name, 'start').length)}\n\n${content}\n\n${out.slice(end)}`
  }
  return out
}

/**
 * `markdown` with its table rows as the formatter may pad them, compared
 * without the padding: cells trimmed, separator dashes as `---` / `---:`.
 */
export function withoutTablePadding(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => {
      if (!line.startsWith('|')) return line
      const cells = line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/^-{3,}(:?)$/, '---$1'))
      return `| ${cells.join(' | ')} |`
    })
    .join('\n')
}

/** The blocks `text` holds, by name, as written between their markers. */
export function readBlocks(text: string): Record<string, string> {
  const blocks: Record<string, string> = {}
  for (const match of text.matchAll(
    /<!-- bench:(\w+):start -->\n\n([\s\S]*?)\n\n<!-- bench:\1:end -->/g,
  )) {
    blocks[match[1] as string] = match[2] as string
  }
  return blocks
}

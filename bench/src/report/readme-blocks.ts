import { renderMarkdown, targetParts } from '../runner/format.js'
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
  scenarios: Array<{ id: string; title: string; seconds: number } & ScenarioResult>
}

/** The generated blocks by name: `summary` (the top README), `latest` (bench/README). */
export function renderBlocks(report: BenchReport): Record<string, string> {
  const { machine } = report
  const measured = `Measured ${report.date.slice(0, 10)} by \`pnpm bench\` (${report.mode} run, ${Math.round(report.seconds)} s) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}; ${machine.pinning}.`
  const targets = report.scenarios.flatMap((scenario) =>
    scenario.targets.map((t) => ({ scenario, t })),
  )
  const summary = [
    measured,
    '',
    '| scenario | comparison | median (min–max, rounds, A/A floor) | target | verdict |',
    '| --- | --- | ---: | ---: | --- |',
    ...targets.map(({ scenario, t }) => {
      const { value, rounds, wanted } = targetParts(t)
      const figure = rounds ? `${value} (${rounds})` : value
      return `| ${scenario.id}. ${scenario.title} | ${t.name} | ${figure} | ${wanted} | ${t.verdict} |`
    }),
  ].join('\n')
  const latest = [
    measured,
    ...report.scenarios.flatMap((r) => [
      `### ${r.id}. ${r.title}`,
      ...r.tables.map(renderMarkdown),
      ...(r.notes.length > 0 ? [r.notes.map((n) => `- ${n}`).join('\n')] : []),
      ...(r.targets.length > 0 ? [r.targets.map(targetLine).join('\n')] : []),
      ...(r.failures.length > 0 ? [r.failures.map((f) => `- FAILED: ${f}`).join('\n')] : []),
    ]),
  ].join('\n\n')
  return { summary, latest }
}

/** A target as a Markdown list item: `- **met** name: 1.02x [0.98x–1.05x …] (target >= 0.95x)`. */
function targetLine(t: ScenarioResult['targets'][number]): string {
  const { value, rounds, wanted } = targetParts(t)
  return `- **${t.verdict}** ${t.name}: ${value}${rounds ? ` [${rounds}]` : ''} (target ${wanted})`
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

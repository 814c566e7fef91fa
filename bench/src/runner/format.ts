import type { Figure, Table, Target } from './types.js'

/** `0.0412` → `4.1 %`. */
export function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : '-'
}

/** A spread as `median (min–max)` with `format` for each figure. */
export function spreadText(
  s: { median: number; min: number; max: number; rounds: number },
  format: (value: number) => string,
): string {
  if (s.rounds <= 1) return format(s.median)
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`
}

/** `12345.6` → `12,346`. */
export function count(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-'
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '-'
  // autocannon records whole milliseconds.
  if (Number.isInteger(value)) return String(value)
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : String(Math.round(value))
}

/** `a / b` as `1.23x`; `-` when either is missing. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !(b > 0) || !Number.isFinite(a)) return '-'
  const r = a / b
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`
}

export function ratioValue(a: number | undefined, b: number | undefined): number {
  return a === undefined || b === undefined || !(b > 0) ? Number.NaN : a / b
}

/** A table as aligned text: first column left, the others right. */
export function renderText(table: Table): string {
  const rows = [table.columns, ...table.rows]
  const widths = table.columns.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)))
  const line = (row: string[]) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd()
  return [
    table.title,
    line(table.columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
  ].join('\n')
}

/** A table as GitHub markdown, numbers right-aligned. */
export function renderMarkdown(table: Table): string {
  const cellText = (cell: string) => cell.replaceAll('|', '\\|')
  return [
    `**${table.title}**`,
    '',
    `| ${table.columns.map(cellText).join(' | ')} |`,
    `| ${table.columns.map((_, c) => (c === 0 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cellText).join(' | ')} |`),
  ].join('\n')
}

/** A target's figures as text: its value, the rounds behind it, and what was wanted. */
export function targetParts(t: Target): { value: string; rounds: string; wanted: string } {
  const unit = t.unit ? ` ${t.unit}` : ''
  const value =
    t.kind === 'exactly'
      ? String(t.value)
      : t.kind === 'at-most'
        ? `${count(t.value)}${unit}`
        : ratio(t.value, 1)
  const wanted =
    t.kind === 'exactly'
      ? `exactly ${t.target}`
      : t.kind === 'at-most'
        ? `<= ${count(t.target)}${unit}`
        : t.kind === 'ratio-at-most'
          ? `<= ${t.target}x`
          : `>= ${t.target}x`
  const floor =
    t.floor !== undefined && Number.isFinite(t.floor) ? `, A/A floor ±${percent(t.floor)}` : ''
  const figure = (v: number) => (t.kind === 'at-most' ? count(v) : ratio(v, 1))
  const rounds = t.spread
    ? `${figure(t.spread.min)}–${figure(t.spread.max)}${t.kind === 'at-most' ? unit : ''} over ${t.spread.rounds} rounds${floor}`
    : ''
  const contradicted =
    t.contradictedBy === undefined ? '' : `; two at once ${figure(t.contradictedBy)} says otherwise`
  return { value, rounds: `${rounds}${contradicted}`, wanted }
}

export function describeTarget(t: Target): string {
  const { value, rounds, wanted } = targetParts(t)
  const label =
    t.verdict === 'met' ? 'met   ' : t.verdict === 'missed' ? 'MISSED' : 'NOT DISTINGUISHABLE'
  return `${label}  ${t.name}: ${value}${rounds ? ` [${rounds}]` : ''} (target ${wanted})`
}

/** `50 connections, 6 s after a 2 s warm-up`. */
export function describeLoad(settings: {
  connections: number
  durationSeconds: number
  warmupSeconds: number
}): string {
  const warmup =
    settings.warmupSeconds > 0 ? `after a ${settings.warmupSeconds} s warm-up` : 'no warm-up'
  return `${settings.connections} connections, ${settings.durationSeconds} s ${warmup}`
}

/** A figure's value and the rounds behind it, as text (`1.12x`, `0.98x–1.25x over 5 rounds, A/A floor ±1.2 %`). */
export function figureParts(f: Figure): { value: string; rounds: string } {
  const format = (v: number) =>
    f.unit === 'x' ? ratio(v, 1) : Number.isFinite(v) ? `${v.toFixed(1)} ${f.unit}` : '-'
  const floor =
    f.floor !== undefined && Number.isFinite(f.floor) ? `, A/A floor ±${percent(f.floor)}` : ''
  const rounds =
    f.spread && f.spread.rounds > 1
      ? `${format(f.spread.min)}–${format(f.spread.max)} over ${f.spread.rounds} ${f.over ?? 'rounds'}${floor}`
      : ''
  return { value: format(f.value), rounds }
}

export function describeFigure(f: Figure): string {
  const { value, rounds } = figureParts(f)
  return `figure  ${f.name}: ${value}${rounds ? ` [${rounds}]` : ''} (no target)`
}

import type { Palette } from '../format/colors.js'
import { printableStrings } from '../format/printable.js'
import { relativeTo } from '../format/relative-time.js'
import { width } from '../format/table.js'
import { clientOf, type LogEvent, TYPE_NAMES } from './log-event.js'

const HEADER = ['WHEN', 'TYPE', 'CLIENT', 'DESCRIPTION'] as const

/**
 * `m2m logs` for people: a header, then columns that line up, the time
 * relative to now, the type by name and in colour (success green, failure
 * red, quota warning yellow). `--follow` prints batches as they come: each
 * column keeps the widest width seen so far, so a later row can only push
 * the columns right, never misalign the rows printed before it.
 */
export function createLogTable(options: { now: () => number; paint: Palette }) {
  const { paint } = options
  const widths = HEADER.slice(0, -1).map((h) => h.length)
  let headerDone = false

  /** The lines for `events` (with the header before the first), or '' for none. */
  return function format(events: readonly LogEvent[]): string {
    if (events.length === 0) return ''
    const now = options.now()
    const rows = printableStrings(events).map((event) => {
      const typeName = TYPE_NAMES[event.type] ?? event.type
      return {
        cells: [relativeTo(event.date, now), typeName, clientOf(event)],
        typePaint: typePaint(event.type, paint),
        description: (event.description ?? '').replace(/\s+/g, ' '),
      }
    })
    rows.forEach(({ cells }) => {
      cells.forEach((cell, i) => {
        widths[i] = Math.max(widths[i] ?? 0, width(cell))
      })
    })
    const pad = (text: string, i: number) => ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(text)))
    const lines = rows.map(({ cells, typePaint, description }) =>
      [
        cells[0] + pad(cells[0] as string, 0),
        typePaint(cells[1] as string) + pad(cells[1] as string, 1),
        cells[2] + pad(cells[2] as string, 2),
        description,
      ]
        .join('  ')
        .trimEnd(),
    )
    if (!headerDone) {
      headerDone = true
      const header = HEADER.map((h, i) => (i < widths.length ? h + pad(h, i) : h)).join('  ')
      lines.unshift(paint.bold(header))
    }
    return `${lines.join('\n')}\n`
  }
}

function typePaint(type: string, paint: Palette) {
  if (type === 'seccft') return paint.green
  if (type === 'feccft') return paint.red
  if (type === 'token_quota_consumption_warning') return paint.yellow
  return (text: string) => text
}

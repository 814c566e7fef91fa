import type { Paint } from './colors.js'
import { printable } from './printable.js'

/** A cell: its text, and optionally a colour applied after the width is measured. */
export type Cell = string | { text: string; paint?: Paint }

export interface TableOptions {
  /** The headers of the columns aligned right (numbers); the others are aligned left. */
  alignRight?: readonly string[]
  /** Applied to each header cell (e.g. bold). */
  headerPaint?: Paint
}

/**
 * Columns two spaces apart, each as wide as its widest cell, the header first.
 * No line ends with spaces (the last column is not padded). Widths count code
 * points, so a wide (CJK) character can shift a row by a column.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  options: TableOptions = {},
): string {
  const all: Cell[][] = [
    header.map((text) => (options.headerPaint ? { text, paint: options.headerPaint } : text)),
    ...rows.map((row) => [...row]),
  ]
  const widths = header.map((_, i) => Math.max(...all.map((row) => width(textOf(row[i])))))
  return all
    .map((row) =>
      header
        .map((_, i) => {
          const cell = row[i] ?? ''
          const text = textOf(cell)
          const painted = typeof cell === 'string' || !cell.paint ? text : cell.paint(text)
          const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(text)))
          if (options.alignRight?.includes(header[i] as string)) return pad + painted
          return i === header.length - 1 ? painted : painted + pad
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** A cell's text, control characters made spaces (cells hold what an API answered). */
function textOf(cell: Cell | undefined): string {
  if (cell === undefined) return ''
  return printable(typeof cell === 'string' ? cell : cell.text)
}

/** Code points of the NFC form: "é" written as e + U+0301 counts once. */
export function width(text: string): number {
  return [...text.normalize('NFC')].length
}

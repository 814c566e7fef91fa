import { formatJson } from './format/json.js'
import type { OutputStyle } from './format/output-style.js'
import { escapeC1 } from './format/printable.js'
import type { CliIo } from './io.js'

/**
 * Pretty JSON on stdout, one value per call. On a terminal (`style`), DEL and
 * C1 controls are escaped (JSON.stringify leaves them raw) and, with colours,
 * keys and values are coloured, as `gh --json` does; JSON through a pipe or
 * into a file is exactly `JSON.stringify(value, null, 2)`.
 */
export function printJson(io: CliIo, value: unknown, style?: OutputStyle): void {
  const paint = style?.tty && style.colors ? style.paint : undefined
  const json = formatJson(value, paint)
  io.stdout.write(`${style?.tty ? escapeC1(json) : json}\n`)
}

/** Text on stdout, ending with a newline. */
export function printText(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`)
}

import type { CliIo } from './io.js'

/** Pretty JSON on stdout, one value per call. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Text on stdout, ending with a newline. */
export function printText(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`)
}

import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import PinoPretty from 'pino-pretty'

export type LineWriter = (service: string, line: string) => void

/**
 * Writes each service's lines with its name in front; pino's JSON lines are
 * made readable unless `json` is set (then they pass through untouched, for
 * piping into a log tool).
 */
export function createLineWriter(options: {
  json: boolean
  colors: boolean
  out: NodeJS.WritableStream
}): LineWriter {
  const width = 'gift-deliveries'.length
  const pretty = PinoPretty.prettyFactory({
    colorize: options.colors,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  })
  return (service, line) => {
    let text = line
    if (!options.json && line.startsWith('{')) {
      try {
        text = pretty(JSON.parse(line)).trimEnd()
      } catch {
        // Not JSON after all: show it as written.
      }
    }
    options.out.write(`${service.padEnd(width)} | ${text}\n`)
  }
}

/** Feeds every line of `stream` to `onLine`. */
export function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine)
}

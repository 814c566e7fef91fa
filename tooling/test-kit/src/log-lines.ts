import { Writable } from 'node:stream'

/** A destination for a JSON logger (pino) whose lines a test reads back, parsed. */
export function captureLogLines(): {
  destination: Writable
  lines: Array<Record<string, unknown>>
} {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  return { destination, lines }
}

import { parseArgs } from 'node:util'

export interface SoakOptions {
  /** How long the load runs, in seconds. */
  durationS: number
  /** Concurrent connections of the load generator. */
  connections: number
  /** Also write the JSON report here. */
  jsonPath: string | undefined
  help: boolean
}

export const USAGE = `Usage: pnpm soak [--duration <s>] [--connections <n>] [--json <file>]

Builds and starts the whole stack (auth-server, world-mappers, gift-deliveries)
on free loopback ports, drives it at saturation with POST /deliveries and GET
reads under Storefront tokens, then prints requests, errors and each process's
memory (RSS) at start and end, as a table and as JSON. Exits 1 if any request
failed (a status other than 2xx, a socket error or a timeout).

Options:
  --duration <s>      seconds of load, 1-3600 (default 60)
  --connections <n>   concurrent connections, 1-1000 (default 64)
  --json <file>       also write the JSON report to this file
  -h, --help          show this help
`

/** A command line the soak cannot run with; the message names the option. */
export class UsageError extends Error {
  override name = 'UsageError'
}

function integer(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new UsageError(
      `--${name} must be a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`,
    )
  }
  return Number(raw)
}

/** Parses the soak's command line (without node and the script). */
export function parseSoakArgs(argv: readonly string[]): SoakOptions {
  let values: { duration?: string; connections?: string; json?: string; help?: boolean }
  try {
    ;({ values } = parseArgs({
      // `pnpm soak -- --duration 10` hands the script a leading `--`.
      args: argv[0] === '--' ? argv.slice(1) : [...argv],
      options: {
        duration: { type: 'string' },
        connections: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.json === '') throw new UsageError('--json needs a file name')
  return {
    durationS: integer('duration', values.duration, 60, 3_600),
    connections: integer('connections', values.connections, 64, 1_000),
    jsonPath: values.json,
    help: values.help ?? false,
  }
}

import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError } from '@m2m/service-kit'
import { readyBanner } from './banner.js'
import { createLineWriter } from './log-lines.js'
import { storefrontCredentials } from './services.js'
import { readStackSettings } from './settings.js'
import { type RunningStack, StackError, startStack } from './stack.js'

const USAGE = `Usage: pnpm start [-- --json-logs]    (built code)
       pnpm dev   [-- --json-logs]    (sources, reloaded on change)

Starts auth-server, world-mappers and gift-deliveries with the dev tenant and
prints their URLs with an example once all three are ready. Ctrl-C stops them.

Options:
  --dev         run each service's sources under tsx watch instead of dist/
  --json-logs   print the services' pino JSON lines as they are
  -h, --help    show this help

Environment:
  AUTH_SERVER_PORT (4000), WORLD_MAPPERS_PORT (7001), GIFT_DELIVERIES_PORT (3000),
  HOST (127.0.0.1), AUTH_SERVER_DATA_DIR, GIFT_DELIVERIES_DATA_DIR (each
  service's data/ by default; empty keeps state in memory), LOG_LEVEL,
  GIFT_DELIVERIES_CLIENT_AUTH (client_secret, or private_key_jwt: gift-deliveries
  signs client assertions with the dev tenant's key pair instead of a secret),
  REQUIRE_DPOP (true: world-mappers takes only DPoP-bound tokens, and
  gift-deliveries gets them: a key pair of its own, a proof with every call).
  Any other variable (DATABASE_URL, REDIS_URL, ...) reaches every service.
`

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')

function fail(message: string): never {
  process.stderr.write(`m2m: ${message}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  let args: { dev?: boolean; 'json-logs'?: boolean; help?: boolean }
  try {
    args = parseArgs({
      options: {
        dev: { type: 'boolean' },
        'json-logs': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (error) {
    process.stderr.write(`m2m: ${(error as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (args.help) {
    process.stdout.write(USAGE)
    return
  }

  let settings: ReturnType<typeof readStackSettings>
  try {
    settings = readStackSettings(root, process.env)
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`)
    throw error
  }
  const say = (message: string) => process.stdout.write(`${'m2m'.padEnd(15)} | ${message}\n`)
  const writeLine = createLineWriter({
    json: args['json-logs'] === true,
    colors: process.stdout.isTTY === true && !process.env.NO_COLOR,
    out: process.stdout,
  })

  let stack: RunningStack
  try {
    stack = await startStack({ settings, mode: args.dev ? 'dev' : 'built', writeLine, say })
  } catch (error) {
    if (error instanceof StackError) fail(error.message)
    throw error
  }

  // The services run in their own process groups: make sure none outlives the stack.
  process.on('exit', () => stack.kill())
  // Ctrl-C reaches pnpm, its shell and the stack (the terminal signals its
  // foreground process group). A clean stop exits 0; the root scripts run the
  // stack after `trap '' INT`, so the shell waits for that 0 and exits with it,
  // instead of killing itself with SIGINT once the stack is done (what a shell
  // does by default, and what pnpm reports as "ELIFECYCLE Command failed").
  // A second signal kills the services and exits 130: not a clean stop.
  let signals = 0
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1
    if (signals > 1) {
      say(`${signal} again: killing every service now`)
      stack.kill()
      process.exit(130)
    }
    say(`${signal}: stopping gift-deliveries, then world-mappers and auth-server`)
    void stack.stop()
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal)
  // `pnpm start` does not pass SIGTERM on to its script: when pnpm ends, the
  // stack is re-parented, and takes that as its SIGTERM.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent && signals === 0) {
      say('the parent process ended')
      onSignal('SIGTERM')
    }
  }, 500).unref()

  try {
    await stack.ready
    process.stdout.write(
      readyBanner(
        stack.services.map((service) => ({ spec: service.spec, pid: service.child.pid })),
        storefrontCredentials(root, process.env),
      ),
    )
    process.stdout.write('\n')
  } catch (error) {
    if (error instanceof StackError && signals === 0) fail(error.message)
  }
  const code = await stack.done
  say(code === 0 ? 'all services stopped' : `stopped (exit ${code})`)
  process.exit(code)
}

await main()

import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { registerCallCommand } from './commands/call.js'
import { registerDecodeCommand } from './commands/decode.js'
import { registerDeliveriesCommand } from './commands/deliveries/index.js'
import { registerLogsCommand } from './commands/logs.js'
import { registerQuotaCommand } from './commands/quota.js'
import { registerTenantCommand } from './commands/tenant/index.js'
import { registerTokenCommand } from './commands/token.js'
import { oneLine, toCliError } from './error-mapping.js'
import { CliError, ExitCode } from './errors.js'
import type { CliContext, CliIo } from './io.js'

const ROOT_HELP = `
Credentials (token, call, quota, logs, deliveries): flags win over the environment, the
environment over the env file (--env-file <path>, else ./.env when present).
  ISSUER_BASE_URL or AUTH0_DOMAIN   the issuer (default http://localhost:4000/)
  <PROFILE>_CLIENT_ID / _SECRET     the client; --profile picks the prefix: auth0 for
                                    token, call and quota, storefront for deliveries,
                                    tenant-admin for logs
  <PROFILE>_CLIENT_ASSERTION_SIGNING_KEY
                                    instead of the secret: a PEM private RSA key file
                                    (private_key_jwt; flag --private-key <file>)
  AUTH0_AUDIENCE, AUTH0_SCOPE, AUTH0_ORGANIZATION   token, call and quota only
  <PROFILE>_DPOP=true, <PROFILE>_DPOP_KEY, <PROFILE>_DPOP_ALG
                                    token and call only: DPoP-bound tokens (RFC 9449), a
                                    PEM key file, the proof algorithm (flags --dpop,
                                    --dpop-key <file>, --dpop-alg)
  GIFT_DELIVERIES_URL               deliveries (default http://localhost:3000)
  NO_COLOR, FORCE_COLOR, TERM=dumb  colour on a terminal (off, on, off)

Output: on a terminal, tables and sentences for people (deliveries, logs, quota);
piped, redirected or with --json, the stable format for scripts (JSON, text lines).

Exit codes:
  0  success
  1  the API answered an HTTP error (>= 400) or an unusable answer
  2  usage: unknown or missing flag or argument, bad value, missing configuration
  3  no token: the token endpoint refused or was unreachable; decode --verify failed
  4  the API could not be reached or timed out
  5  tenant check: the local tenant would refuse the file
  130  interrupted (Ctrl-C) during logs --follow
Errors are one line on stderr; results go to stdout.`

/** The `m2m` program for one invocation, writing to `ctx.io`. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command('m2m')
    .description(
      'Machine-to-machine OAuth 2.0 from the terminal: tokens, calls, logs, deliveries, tenant files.',
    )
    .version(packageVersion(), '-V, --version')
    .helpCommand(true)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
      // Parse errors are printed by runCli, on one line, like every other error.
      outputError: () => {},
    })
    .addHelpText('after', ROOT_HELP)
  registerTokenCommand(program, ctx)
  registerCallCommand(program, ctx)
  registerDecodeCommand(program, ctx)
  registerLogsCommand(program, ctx)
  registerQuotaCommand(program, ctx)
  registerDeliveriesCommand(program, ctx)
  registerTenantCommand(program, ctx)
  return program
}

/**
 * Runs `m2m` with `args` (without `node` and the script) and returns the exit
 * code. Never throws; an error is one line on stderr, with no secret or token.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const ctx: CliContext = { io, sensitive: new Set() }
  const program = createProgram(ctx)
  try {
    await program.parseAsync([...args], { from: 'user' })
    return ExitCode.OK
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, ctx)
    const cliError = toCliError(error)
    if (cliError.message) io.stderr.write(`m2m: ${oneLine(cliError.message, ctx.sensitive)}\n`)
    return cliError.exitCode
  }
}

function commanderExit(error: CommanderError, ctx: CliContext): number {
  // --help and --version exit 0; help shown for a missing subcommand is a usage error.
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0
  if (error.code !== 'commander.help') {
    const message = error.message.replace(/^error: /, '')
    ctx.io.stderr.write(`m2m: ${oneLine(message, ctx.sensitive)} (see --help)\n`)
  }
  return error instanceof CliError ? error.exitCode : ExitCode.USAGE
}

function packageVersion(): string {
  const manifest = new URL('../package.json', import.meta.url)
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

import { setTimeout as sleep } from 'node:timers/promises'
import type { Command } from 'commander'
import { addTokenOptions, type TokenFlags } from '../config/token-options.js'
import { resolveTokenSettings } from '../config/token-settings.js'
import { CliError, ExitCode, usageError } from '../errors.js'
import { outputStyle } from '../format/output-style.js'
import { escapeC1 } from '../format/printable.js'
import { createApiClient } from '../http/api-client.js'
import { withTokens } from '../http/token-session.js'
import type { CliContext } from '../io.js'
import { formatLogLine, type LogEvent } from '../logs/log-event.js'
import { createLogReader } from '../logs/log-reader.js'
import { createLogTable } from '../logs/log-table.js'
import { printText } from '../output.js'
import { integerIn, secondsIn } from '../parse-number.js'

interface LogsFlags extends TokenFlags {
  follow?: boolean
  json?: boolean
  limit: number
  interval: number
  type?: string
  client?: string
  quota?: boolean
}

/** Checkpoint pages are read this many events at a time (the API's maximum). */
const TAKE = 100

/** `m2m logs [--follow]`: the tenant's log events through the Management API. */
export function registerLogsCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('logs')
    .summary("print the tenant's log events (token exchanges); --follow for new ones")
    .description(
      'Reads GET <issuer>api/v2/logs with a Management API token (scope read:logs) and prints\n' +
        'one line per event: date, type, client, description (on a terminal, aligned columns\n' +
        'with relative times). --follow keeps polling for new events (checkpoint paging from\n' +
        'the last log id) until Ctrl-C.',
    )
    .option('-f, --follow', 'keep printing new events until interrupted')
    .option('--json', 'one JSON object per line instead of text')
    .option(
      '-n, --limit <n>',
      'how many of the newest events to print first',
      integerIn(1, 100),
      20,
    )
    .option('--interval <seconds>', 'poll interval of --follow', secondsIn(0.1, 3600), 2)
    .option('--type <code>', 'only this event type, e.g. seccft or feccft')
    .option('--client <client-id>', "only this client's events")
    .option(
      '--quota',
      'only token quota events: consumption warnings (60/80/100 %) and exchanges refused for a spent quota',
    )
  addTokenOptions(command, { profile: 'tenant-admin', audience: 'default: <issuer>api/v2/' })
  command.addHelpText(
    'after',
    `
Examples:
  $ m2m logs                         # the dev tenant, as Tenant Admin (TENANT_ADMIN_CLIENT_*)
  $ m2m logs --type feccft --json
  $ m2m logs --follow --client storefront-dev
  $ m2m logs --quota --follow`,
  )
  command.action(async (flags: LogsFlags) => {
    if (flags.type !== undefined && !/^[a-z0-9_]{1,32}$/i.test(flags.type)) {
      throw usageError(
        `--type must be a log type code such as seccft, got ${JSON.stringify(flags.type)}`,
      )
    }
    if (flags.client !== undefined && !/^[\w.@-]{1,128}$/.test(flags.client)) {
      throw usageError(`--client must be a client id, got ${JSON.stringify(flags.client)}`)
    }
    const settings = resolveTokenSettings(flags, ctx, {
      readAuth0Env: false,
      defaultAudience: (issuer) => `${issuer}api/v2/`,
    })
    const style = outputStyle(ctx.io, flags)
    const table = style.human ? createLogTable({ now: style.now, paint: style.paint }) : undefined
    const json = (event: LogEvent) =>
      style.tty ? escapeC1(JSON.stringify(event)) : JSON.stringify(event)
    const line = (event: LogEvent) => `${flags.json ? json(event) : formatLogLine(event)}\n`
    const print = (events: readonly LogEvent[]) => {
      const text = table ? table(events) : events.map(line).join('')
      if (text) ctx.io.stdout.write(text)
    }
    const signal = ctx.io.signal

    await withTokens(settings, ctx, async (tokens) => {
      const client = createApiClient(tokens, new URL(settings.issuer).origin)
      const reader = createLogReader(client, settings.issuer, {
        ...(flags.type ? { type: flags.type } : {}),
        ...(flags.client ? { clientId: flags.client } : {}),
        ...(flags.quota ? { quota: true } : {}),
      })
      try {
        const first = await reader.latest(flags.limit, signal)
        print(first)
        if (!flags.follow) {
          if (style.human && first.length === 0) printText(ctx.io, 'no log events')
          return
        }
        let checkpoint = first.at(-1)?.log_id
        for (;;) {
          await sleep(flags.interval * 1000, undefined, signal ? { signal } : {})
          // No event yet to start from: wait for the first ones in page mode.
          let batch = checkpoint
            ? await reader.after(checkpoint, TAKE, signal)
            : await reader.latest(TAKE, signal)
          print(batch)
          checkpoint = batch.at(-1)?.log_id ?? checkpoint
          while (checkpoint && batch.length === TAKE) {
            batch = await reader.after(checkpoint, TAKE, signal)
            print(batch)
            checkpoint = batch.at(-1)?.log_id ?? checkpoint
          }
        }
      } catch (error) {
        if (signal?.aborted) throw new CliError('', ExitCode.INTERRUPTED, { cause: error })
        throw error
      } finally {
        await client.close()
      }
    })
  })
}

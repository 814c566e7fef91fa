import type { Command } from 'commander'
import { addTokenOptions, type TokenFlags } from '../config/token-options.js'
import { resolveTokenSettings } from '../config/token-settings.js'
import { outputStyle } from '../format/output-style.js'
import { withTokens } from '../http/token-session.js'
import type { CliContext } from '../io.js'
import { printJson, printText } from '../output.js'
import { formatQuotaTable, quotaView } from '../quota/quota-table.js'

interface QuotaFlags extends TokenFlags {
  json?: boolean
}

/** `m2m quota`: the caller's token quota, as the token endpoint reports it on an exchange. */
export function registerQuotaCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('quota')
    .summary("show the client's remaining token quota (Auth0's quota headers)")
    .description(
      'Makes one client-credentials exchange and prints the token quota buckets its answer\n' +
        'reports (Auth0-Client-Quota-Limit, Auth0-Organization-Quota-Limit): remaining of\n' +
        'limit and when each refills. The exchange itself spends one token of each bucket.\n' +
        'A tenant that enforces no quota for the client reports none.',
    )
    .option('--json', 'print the buckets as JSON')
  addTokenOptions(command, { profile: 'auth0', audience: 'default: env AUTH0_AUDIENCE' })
  command.addHelpText(
    'after',
    `
Examples:
  $ m2m quota --profile gift-deliveries --audience urn:worldmappers
  $ m2m quota --json --organization org_acme`,
  )
  command.action(async (flags: QuotaFlags) => {
    const settings = resolveTokenSettings(flags, ctx, { readAuth0Env: true })
    const buckets = await withTokens(settings, ctx, async (tokens) => {
      await tokens.getToken()
      return tokens.quota.map(quotaView)
    })
    const style = outputStyle(ctx.io, flags)
    if (flags.json) return printJson(ctx.io, buckets, style)
    if (buckets.length === 0) {
      return printText(
        ctx.io,
        `no token quota reported by ${settings.issuer} for this client: none is set (or enforced) for it`,
      )
    }
    printText(ctx.io, formatQuotaTable(buckets, style.now(), style.paint))
  })
}

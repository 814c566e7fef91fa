import { type Command, Option } from 'commander'
import { formatDeliveryTable, isDeliveryPage } from '../../deliveries/delivery-text.js'
import { outputStyle } from '../../format/output-style.js'
import type { CliContext } from '../../io.js'
import { printJson, printText } from '../../output.js'
import { integerIn } from '../../parse-number.js'
import { addDeliveriesOptions, callDeliveries, type DeliveriesFlags } from './deliveries-api.js'

interface ListFlags extends DeliveriesFlags {
  status?: string
  limit?: number
  cursor?: string
  includeRoute?: boolean
}

/** `m2m deliveries list`: GET /deliveries (scope read:deliveries). */
export function registerListCommand(deliveries: Command, ctx: CliContext): void {
  const command = deliveries
    .command('list')
    .summary("list this client's deliveries, oldest first (GET /deliveries)")
    .description(
      'On a terminal, a table: short id, status, recipient, destination, distance, duration,\n' +
        'created. Piped or with --json, { items, nextCursor } as JSON: summaries, or whole\n' +
        'deliveries with --include-route. Pass nextCursor to --cursor for the next page.',
    )
    .addOption(
      new Option('--status <status>', 'only this status').choices(['pending', 'planned', 'failed']),
    )
    .option('--limit <n>', 'page size (server default 20)', integerIn(1, 100))
    .option('--cursor <cursor>', 'the nextCursor of the previous page')
    .option('--include-route', 'whole deliveries, with their routes (GeoJSON path and steps)')
  addDeliveriesOptions(command)
  command.action(async (flags: ListFlags) => {
    const query = new URLSearchParams()
    if (flags.status) query.set('status', flags.status)
    if (flags.limit !== undefined) query.set('limit', String(flags.limit))
    if (flags.cursor) query.set('cursor', flags.cursor)
    if (flags.includeRoute) query.set('include', 'route')
    const search = query.size > 0 ? `?${query}` : ''
    const style = outputStyle(ctx.io, flags)
    const answer = await callDeliveries(flags, ctx, style, {
      method: 'GET',
      path: `deliveries${search}`,
    })
    if (!style.human || !isDeliveryPage(answer.body)) return printJson(ctx.io, answer.body, style)
    printText(
      ctx.io,
      formatDeliveryTable(answer.body, {
        now: style.now(),
        paint: style.paint,
        status: flags.status,
        nextPage: (cursor) =>
          [
            'm2m deliveries list',
            ...(flags.status ? [`--status ${flags.status}`] : []),
            ...(flags.limit !== undefined ? [`--limit ${flags.limit}`] : []),
            `--cursor ${cursor}`,
          ].join(' '),
      }),
    )
  })
}

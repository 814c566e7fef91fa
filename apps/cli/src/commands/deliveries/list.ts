import { type Command, Option } from 'commander'
import type { CliContext } from '../../io.js'
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
      'Prints { items, nextCursor } as JSON: summaries (destination, distance, duration), or\n' +
        'whole deliveries with --include-route. Pass nextCursor to --cursor for the next page.',
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
    await callDeliveries(flags, ctx, { method: 'GET', path: `deliveries${search}` })
  })
}

import type { Command } from 'commander'
import { usageError } from '../../errors.js'
import type { CliContext } from '../../io.js'
import { addDeliveriesOptions, callDeliveries, type DeliveriesFlags } from './deliveries-api.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `m2m deliveries get <id>`: GET /deliveries/:id (scope read:deliveries). */
export function registerGetCommand(deliveries: Command, ctx: CliContext): void {
  const command = deliveries
    .command('get')
    .summary('print one delivery (GET /deliveries/:id)')
    .description(
      'Prints the delivery as JSON. A delivery another client created is not found (404, exit 1).',
    )
    .argument('<id>', 'the delivery id (a UUID)')
  addDeliveriesOptions(command)
  command.action(async (id: string, flags: DeliveriesFlags) => {
    if (!UUID.test(id)) throw usageError(`<id> must be a UUID, got ${JSON.stringify(id)}`)
    await callDeliveries(flags, ctx, { method: 'GET', path: `deliveries/${id}` })
  })
}

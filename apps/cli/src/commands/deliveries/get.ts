import type { Command } from 'commander'
import { formatDeliveryBlock, isDelivery } from '../../deliveries/delivery-text.js'
import { usageError } from '../../errors.js'
import { outputStyle } from '../../format/output-style.js'
import type { CliContext } from '../../io.js'
import { printJson, printText } from '../../output.js'
import { addDeliveriesOptions, callDeliveries, type DeliveriesFlags } from './deliveries-api.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `m2m deliveries get <id>`: GET /deliveries/:id (scope read:deliveries). */
export function registerGetCommand(deliveries: Command, ctx: CliContext): void {
  const command = deliveries
    .command('get')
    .summary('print one delivery (GET /deliveries/:id)')
    .description(
      'Prints the delivery: labelled lines and its route on a terminal, JSON when piped or with\n' +
        '--json. A delivery another client created is not found (404, exit 1).',
    )
    .argument('<id>', 'the delivery id (a UUID)')
  addDeliveriesOptions(command)
  command.action(async (id: string, flags: DeliveriesFlags) => {
    if (!UUID.test(id)) throw usageError(`<id> must be a UUID, got ${JSON.stringify(id)}`)
    const style = outputStyle(ctx.io, flags)
    const answer = await callDeliveries(flags, ctx, style, {
      method: 'GET',
      path: `deliveries/${id}`,
    })
    if (!style.human || !isDelivery(answer.body)) return printJson(ctx.io, answer.body, style)
    printText(ctx.io, formatDeliveryBlock(answer.body, { now: style.now(), paint: style.paint }))
  })
}

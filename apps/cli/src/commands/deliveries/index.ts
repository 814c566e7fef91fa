import type { Command } from 'commander'
import type { CliContext } from '../../io.js'
import { registerCreateCommand } from './create.js'
import { registerGetCommand } from './get.js'
import { registerListCommand } from './list.js'

/** `m2m deliveries create|get|list`: the gift-deliveries API with a Storefront-style token. */
export function registerDeliveriesCommand(program: Command, ctx: CliContext): void {
  const deliveries = program
    .command('deliveries')
    .summary('create, get and list gift deliveries')
    .description(
      'Calls gift-deliveries (GIFT_DELIVERIES_URL, default http://localhost:3000) with a token\n' +
        'for urn:gift-deliveries, as the Storefront client by default (STOREFRONT_CLIENT_ID and\n' +
        'STOREFRONT_CLIENT_SECRET; --profile or --client-id/--client-secret for another).',
    )
  registerCreateCommand(deliveries, ctx)
  registerGetCommand(deliveries, ctx)
  registerListCommand(deliveries, ctx)
}

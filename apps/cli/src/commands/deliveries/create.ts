import type { Command } from 'commander'
import { usageError } from '../../errors.js'
import type { CliContext } from '../../io.js'
import { addDeliveriesOptions, callDeliveries, type DeliveriesFlags } from './deliveries-api.js'

interface CreateFlags extends DeliveriesFlags {
  recipient: string
  email?: string
  gift: string
  destination: string
  origin?: string
  idempotencyKey?: string
}

/** `m2m deliveries create`: POST /deliveries (scope create:deliveries). */
export function registerCreateCommand(deliveries: Command, ctx: CliContext): void {
  const command = deliveries
    .command('create')
    .summary('plan and store a delivery (POST /deliveries)')
    .description(
      'Creates a delivery: world-mappers geocodes the places and plans the route. Prints the\n' +
        'delivery as JSON: status "planned" (201) or "pending" (202, planned later). An unknown\n' +
        'place is a 422 (exit 1). The same --idempotency-key with the same fields returns the\n' +
        'same delivery instead of creating another.',
    )
    .requiredOption('--recipient <name>', "recipient's name")
    .option('--email <address>', "recipient's email")
    .requiredOption('--gift <description>', 'what is delivered')
    .requiredOption('--destination <place>', 'a place name ("Paris, TX") or "lat,lng"')
    .option('--origin <place>', "where it starts (default: world-mappers' depot)")
    .option('--idempotency-key <key>', 'makes retries safe (printable ASCII, no spaces, <= 255)')
  addDeliveriesOptions(command)
  command.addHelpText(
    'after',
    `
Example:
  $ m2m deliveries create --recipient "Ada Lovelace" --email ada@example.com \\
      --gift "A mechanical calculator" --destination "London" --idempotency-key order-1001`,
  )
  command.action(async (flags: CreateFlags) => {
    const key = flags.idempotencyKey
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw usageError('--idempotency-key must be 1 to 255 printable ASCII characters, no spaces')
    }
    const body = {
      recipient: { name: flags.recipient, ...(flags.email ? { email: flags.email } : {}) },
      gift: { description: flags.gift },
      destination: flags.destination,
      ...(flags.origin ? { origin: flags.origin } : {}),
    }
    await callDeliveries(flags, ctx, {
      method: 'POST',
      path: 'deliveries',
      body,
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    })
  })
}

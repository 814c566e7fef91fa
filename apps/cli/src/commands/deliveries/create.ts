import type { Command } from 'commander'
import { formatCreated, isDelivery } from '../../deliveries/delivery-text.js'
import { usageError } from '../../errors.js'
import { outputStyle } from '../../format/output-style.js'
import type { CliContext } from '../../io.js'
import { printJson, printText } from '../../output.js'
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
      'Creates a delivery: world-mappers geocodes the places and plans the route. Status\n' +
        '"planned" (201) or "pending" (202, planned later). On a terminal, prints one line with\n' +
        'the id; piped or with --json, the delivery as JSON. An unknown place is a 422 (exit 1).\n' +
        'The same --idempotency-key with the same fields returns the same delivery instead of\n' +
        'creating another.',
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
    const style = outputStyle(ctx.io, flags)
    const answer = await callDeliveries(flags, ctx, style, {
      method: 'POST',
      path: 'deliveries',
      body,
      ...(key ? { headers: { 'idempotency-key': key } } : {}),
    })
    if (!style.human || !isDelivery(answer.body)) return printJson(ctx.io, answer.body, style)
    printText(ctx.io, formatCreated(answer.body, { replayed: answer.replayed, paint: style.paint }))
  })
}

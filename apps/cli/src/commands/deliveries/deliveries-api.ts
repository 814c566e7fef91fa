import type { Command } from 'commander'
import { addTokenOptions, type TokenFlags } from '../../config/token-options.js'
import { resolveTokenSettings } from '../../config/token-settings.js'
import type { OutputStyle } from '../../format/output-style.js'
import { type ApiRequest, createApiClient, httpError, parseJson } from '../../http/api-client.js'
import { parseHttpUrl } from '../../http/request-input.js'
import { withTokens } from '../../http/token-session.js'
import type { CliContext } from '../../io.js'
import { printJson } from '../../output.js'

export const DEFAULT_GIFT_DELIVERIES_URL = 'http://localhost:3000'
export const GIFT_DELIVERIES_AUDIENCE = 'urn:gift-deliveries'

export interface DeliveriesFlags extends TokenFlags {
  url?: string
  json?: boolean
}

/**
 * The flags of every `deliveries` subcommand: where the API is, JSON on a
 * terminal, and the Storefront-style token.
 */
export function addDeliveriesOptions(command: Command): Command {
  command.option(
    '--url <url>',
    `gift-deliveries base URL (env GIFT_DELIVERIES_URL, default ${DEFAULT_GIFT_DELIVERIES_URL})`,
  )
  command.option(
    '--json',
    "print the API's JSON answer (the default when stdout is not a terminal)",
  )
  return addTokenOptions(command, {
    profile: 'storefront',
    audience: `default: ${GIFT_DELIVERIES_AUDIENCE}`,
  })
}

export interface DeliveryCall {
  method: string
  /** Path and query under the base URL, e.g. `deliveries?limit=5`. */
  path: string
  headers?: Record<string, string>
  body?: unknown
}

export interface DeliveryAnswer {
  status: number
  /** The API's JSON body. */
  body: unknown
  /** `Idempotent-Replayed: true`: an earlier request with the same key made this delivery. */
  replayed: boolean
}

/**
 * One call to gift-deliveries with a token for its audience; resolves with the
 * JSON answer for the command to print. A status >= 400 becomes an error
 * (exit 1); for a program (`style.human` false) its JSON body is printed on
 * stdout first (a 422 carries the failed delivery), for a person the one line
 * on stderr says it.
 */
export async function callDeliveries(
  flags: DeliveriesFlags,
  ctx: CliContext,
  style: OutputStyle,
  call: DeliveryCall,
): Promise<DeliveryAnswer> {
  const settings = resolveTokenSettings(flags, ctx, {
    readAuth0Env: false,
    defaultAudience: () => GIFT_DELIVERIES_AUDIENCE,
  })
  const base = parseHttpUrl(
    flags.url ?? settings.env.get('GIFT_DELIVERIES_URL') ?? DEFAULT_GIFT_DELIVERIES_URL,
    flags.url ? '--url' : 'GIFT_DELIVERIES_URL',
  )
  const url = new URL(call.path, base.href.endsWith('/') ? base : `${base.href}/`)
  return withTokens(settings, ctx, async (tokens) => {
    const client = createApiClient(tokens, url.origin)
    try {
      const req: ApiRequest = {
        method: call.method,
        url,
        headers: {
          accept: 'application/json',
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...call.headers,
        },
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      }
      const res = await client.send(req)
      if (res.status >= 400) {
        // The body is worth seeing too: a 422 carries the failed delivery.
        if (!style.human && isJson(res.text)) printJson(ctx.io, JSON.parse(res.text), style)
        throw httpError(req, res)
      }
      return {
        status: res.status,
        body: parseJson(req, res),
        replayed: res.headers['idempotent-replayed'] === 'true',
      }
    } finally {
      await client.close()
    }
  })
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

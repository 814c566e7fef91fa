import type { Command } from 'commander'
import { addDpopOptions, addTokenOptions, type TokenFlags } from '../config/token-options.js'
import { resolveTokenSettings } from '../config/token-settings.js'
import { usageError } from '../errors.js'
import { createApiClient, httpError } from '../http/api-client.js'
import { parseHeaders, parseHttpUrl, parseMethod, readData } from '../http/request-input.js'
import { withTokens } from '../http/token-session.js'
import type { CliContext } from '../io.js'
import { printText } from '../output.js'

interface CallFlags extends TokenFlags {
  request?: string
  data?: string
  header: string[]
}

const collect = (value: string, previous: string[]) => [...previous, value]

/** `m2m call <url>`: gets a token and calls the URL with it. */
export function registerCallCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('call')
    .summary('call a URL with a fresh access token; print the response body')
    .description(
      'Gets a token (as `m2m token` does) and calls <url> with Authorization: Bearer, sent to\n' +
        "that URL's origin only. Prints the response body on stdout; an HTTP status >= 400\n" +
        'also prints one line on stderr and exits with 1.\n' +
        'With --dpop: a DPoP-bound token (RFC 9449), sent as Authorization: DPoP with a\n' +
        'new DPoP proof for the request.',
    )
    .argument('<url>', 'absolute http(s) URL')
    .option('-X, --request <method>', 'HTTP method (default: GET, or POST with --data)')
    .option('-d, --data <json>', 'JSON request body; @file reads a file, @- standard input')
    .option('-H, --header <header>', 'extra header "Name: value" (repeatable)', collect, [])
  addTokenOptions(command, { profile: 'auth0', audience: 'default: env AUTH0_AUDIENCE' })
  addDpopOptions(command)
  command.addHelpText(
    'after',
    `
Examples:
  $ m2m call http://localhost:7001/api/me --profile gift-deliveries --audience urn:worldmappers
  $ m2m call http://localhost:7001/api/me --profile gift-deliveries --audience urn:worldmappers --dpop
  $ m2m call http://localhost:3000/deliveries --profile storefront --audience urn:gift-deliveries \\
      -d '{"recipient":{"name":"Ada"},"gift":{"description":"Tea"},"destination":"Paris"}'`,
  )
  command.action(async (rawUrl: string, flags: CallFlags) => {
    const url = parseHttpUrl(rawUrl, '<url>')
    const headers = parseHeaders(flags.header)
    const body = flags.data === undefined ? undefined : await readData(flags.data, ctx.io)
    if (body !== undefined && headers['content-type'] === undefined) {
      try {
        JSON.parse(body)
      } catch {
        throw usageError(
          '-d/--data is not JSON (set -H "content-type: ..." to send something else)',
        )
      }
      headers['content-type'] = 'application/json'
    }
    const method = flags.request ? parseMethod(flags.request) : body === undefined ? 'GET' : 'POST'
    const settings = resolveTokenSettings(flags, ctx, { readAuth0Env: true, dpop: true })
    await withTokens(settings, ctx, async (tokens) => {
      const client = createApiClient(tokens, url.origin)
      try {
        const req = { method, url, headers, ...(body !== undefined ? { body } : {}) }
        const res = await client.send(req)
        printText(ctx.io, res.text)
        if (res.status >= 400) throw httpError(req, res)
      } finally {
        await client.close()
      }
    })
  })
}

import type { Command } from 'commander'
import type { DpopSettings } from '../config/dpop-settings.js'
import { addDpopOptions, addTokenOptions, type TokenFlags } from '../config/token-options.js'
import { resolveTokenSettings } from '../config/token-settings.js'
import { withTokens } from '../http/token-session.js'
import type { CliContext } from '../io.js'
import { decodeJwt } from '../jwt/decode-jwt.js'
import { printJson, printText } from '../output.js'

interface TokenCommandFlags extends TokenFlags {
  decode?: boolean
}

/** `m2m token`: a client-credentials exchange; prints the access token. */
export function registerTokenCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('token')
    .summary('get an access token (client credentials) and print it')
    .description(
      'Exchanges client credentials for an access token at the issuer and prints the token\n' +
        '(or, with --decode, its payload as JSON). Reads AUTH0_* variables or the flags.\n' +
        'The client proves itself with its secret or, with --private-key, with a signed\n' +
        'client assertion (private_key_jwt, RFC 7523): a new one for every request.\n' +
        'With --dpop the token is bound to a key (RFC 9449) and useless without it:\n' +
        'print one for later use only with --dpop-key <file>.',
    )
    .option('--decode', 'print the decoded payload (JSON, unverified) instead of the token')
  addTokenOptions(command, { profile: 'auth0', audience: 'default: env AUTH0_AUDIENCE' })
  addDpopOptions(command)
  command.addHelpText(
    'after',
    `
Examples:
  $ m2m token --profile storefront --audience urn:gift-deliveries
  $ TOKEN=$(m2m token) && curl -H "authorization: Bearer $TOKEN" ...
  $ m2m token --decode --audience urn:worldmappers --client-id gift-deliveries-dev
  $ m2m token --domain tenant.auth0.com --client-id <id> --private-key ./client-key.pem \\
      --key-id <credential kid> --assertion-alg PS256 --audience urn:worldmappers
  $ m2m token --dpop --dpop-key ./dpop-key.pem --profile gift-deliveries --audience urn:worldmappers`,
  )
  command.action(async (flags: TokenCommandFlags) => {
    const settings = resolveTokenSettings(flags, ctx, { readAuth0Env: true, dpop: true })
    const token = await withTokens(settings, ctx, (tokens) => tokens.getToken())
    if (flags.decode) {
      printJson(ctx.io, decodeJwt(token).payload)
      return
    }
    printText(ctx.io, token)
    if (settings.dpop) ctx.io.stderr.write(`m2m: ${bindingNote(settings.dpop)}\n`)
  })
}

/** What a printed DPoP token is good for: nothing without its key. */
function bindingNote({ key, keyFile }: DpopSettings): string {
  if (!keyFile) {
    return `this DPoP token is bound to a key (jkt ${key.jkt}) that m2m made for this run and discards on exit: it cannot be used; give --dpop-key <file> for one you can use`
  }
  return `this DPoP token is bound to the key in ${keyFile.path} (jkt ${key.jkt}): send it as Authorization: DPoP with a new proof signed by that key for each request`
}

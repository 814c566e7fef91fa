import type { Command } from 'commander'
import { addTokenOptions, type TokenFlags } from '../config/token-options.js'
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
        'client assertion (private_key_jwt, RFC 7523): a new one for every request.',
    )
    .option('--decode', 'print the decoded payload (JSON, unverified) instead of the token')
  addTokenOptions(command, { profile: 'auth0', audience: 'default: env AUTH0_AUDIENCE' })
  command.addHelpText(
    'after',
    `
Examples:
  $ m2m token --profile storefront --audience urn:gift-deliveries
  $ TOKEN=$(m2m token) && curl -H "authorization: Bearer $TOKEN" ...
  $ m2m token --decode --audience urn:worldmappers --client-id gift-deliveries-dev
  $ m2m token --domain tenant.auth0.com --client-id <id> --private-key ./client-key.pem \\
      --key-id <credential kid> --assertion-alg PS256 --audience urn:worldmappers`,
  )
  command.action(async (flags: TokenCommandFlags) => {
    const settings = resolveTokenSettings(flags, ctx, { readAuth0Env: true })
    const token = await withTokens(settings, ctx, (tokens) => tokens.getToken())
    if (flags.decode) printJson(ctx.io, decodeJwt(token).payload)
    else printText(ctx.io, token)
  })
}

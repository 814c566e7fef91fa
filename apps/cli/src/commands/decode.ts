import { createVerifier } from '@m2m/auth/verify'
import { type Command, Option } from 'commander'
import { loadEnvLayers } from '../config/env-layers.js'
import { resolveIssuer } from '../config/issuer.js'
import { usageError } from '../errors.js'
import { outputStyle } from '../format/output-style.js'
import type { CliContext } from '../io.js'
import { decodeJwt, markExpiry } from '../jwt/decode-jwt.js'
import { printJson } from '../output.js'

interface DecodeFlags {
  verify?: boolean
  issuer?: string
  domain?: string
  audience?: string
  envFile?: string
}

/** `m2m decode <jwt>`: header and payload, expiry marked; unverified unless `--verify`. */
export function registerDecodeCommand(program: Command, ctx: CliContext): void {
  program
    .command('decode')
    .summary("show a JWT's header and payload, with its expiry")
    .description(
      "Prints a JSON object with the token's header, payload and expiry (coloured on a\n" +
        'terminal). The signature is NOT checked unless --verify is given (a note on stderr says\n' +
        "so): --verify checks it against the issuer's JWKS, with the issuer, audience and expiry,\n" +
        'and exits with 3 if it fails.',
    )
    .argument('<jwt>', 'the token, or - to read it from standard input')
    .option('--verify', "verify the signature and claims against the issuer's JWKS")
    .option('--env-file <path>', 'read variables from this file instead of ./.env')
    .addOption(
      new Option('--issuer <url>', 'issuer for --verify (env ISSUER_BASE_URL)').conflicts('domain'),
    )
    .option('--domain <host>', 'Auth0 domain for --verify (env AUTH0_DOMAIN)')
    .option('--audience <id>', "audience for --verify (default: the token's own aud)")
    .addHelpText(
      'after',
      `
Examples:
  $ m2m decode eyJhbGciOi...
  $ m2m token --profile storefront --audience urn:gift-deliveries | m2m decode - --verify`,
    )
    .action(async (input: string, flags: DecodeFlags) => {
      const token = input === '-' ? (await ctx.io.readStdin()).trim() : input
      if (!token) throw usageError('<jwt> is empty')
      ctx.sensitive.add(token)
      const { header, payload } = decodeJwt(token)
      const expiry = markExpiry(payload, (ctx.io.now ?? Date.now)())
      let verified = false
      if (flags.verify) {
        const issuer = resolveIssuer(flags, loadEnvLayers(ctx.io, flags.envFile))
        const audience = flags.audience ?? firstAudience(payload.aud)
        if (!audience) throw usageError('--verify: the token has no aud claim; give --audience')
        const verifier = createVerifier({ issuer, audience, cacheMax: 0 })
        try {
          await verifier.verify(token)
        } finally {
          await verifier.close()
        }
        verified = true
      } else {
        ctx.io.stderr.write(
          'm2m: signature NOT verified (decoded only); use --verify to check it against the issuer\n',
        )
      }
      printJson(ctx.io, { header, payload, verified, expiry }, outputStyle(ctx.io))
    })
}

function firstAudience(aud: unknown): string | undefined {
  if (typeof aud === 'string') return aud
  if (Array.isArray(aud) && typeof aud[0] === 'string') return aud[0]
  return undefined
}

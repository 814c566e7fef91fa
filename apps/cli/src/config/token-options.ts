import { DPOP_ALGORITHMS } from '@m2m/auth/dpop'
import { CLIENT_ASSERTION_ALGORITHMS } from '@m2m/auth/token'
import { type Command, Option } from 'commander'

/** What `--assertion-alg` takes: the algorithms Auth0 accepts for client assertions. */
export const ASSERTION_ALGORITHMS = CLIENT_ASSERTION_ALGORITHMS

/** The flags every command that gets a token takes. */
export interface TokenFlags {
  envFile?: string
  issuer?: string
  domain?: string
  profile: string
  clientId?: string
  clientSecret?: string
  privateKey?: string
  keyId?: string
  assertionAlg?: string
  audience?: string
  scope?: string
  organization?: string
  /** `--dpop` true, `--no-dpop` false; absent: `<PROFILE>_DPOP` decides (commands with DPoP only). */
  dpop?: boolean
  dpopKey?: string
  dpopAlg?: string
}

export interface TokenOptionDefaults {
  /** The default `--profile` (`auth0` reads AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET). */
  profile: string
  /** What `--audience` defaults to, for the help text. */
  audience: string
}

/** Adds the credential flags, so each command's `--help` lists them. */
export function addTokenOptions(command: Command, defaults: TokenOptionDefaults): Command {
  return command
    .option('--env-file <path>', 'read variables from this file instead of ./.env')
    .addOption(new Option('--issuer <url>', 'issuer URL (env ISSUER_BASE_URL)').conflicts('domain'))
    .option('--domain <host>', 'Auth0 domain: the issuer is https://<host>/ (env AUTH0_DOMAIN)')
    .option(
      '--profile <name>',
      'read the credentials from <NAME>_CLIENT_ID and <NAME>_CLIENT_SECRET (or <NAME>_CLIENT_ASSERTION_SIGNING_KEY)',
      defaults.profile,
    )
    .option('--client-id <id>', 'client id (env <PROFILE>_CLIENT_ID)')
    .option(
      '--client-secret <secret>',
      'client secret (env <PROFILE>_CLIENT_SECRET; prefer the environment or a .env file)',
    )
    .addOption(
      new Option(
        '--private-key <file>',
        'PEM private RSA key file: sign a client assertion (private_key_jwt) instead of sending a secret (env <PROFILE>_CLIENT_ASSERTION_SIGNING_KEY)',
      ).conflicts('clientSecret'),
    )
    .option('--key-id <kid>', 'kid header of the client assertion (with a private key)')
    .addOption(
      new Option(
        '--assertion-alg <alg>',
        'client assertion algorithm (with a private key; default RS256)',
      ).choices(ASSERTION_ALGORITHMS),
    )
    .option('--audience <id>', `API identifier the token is for (${defaults.audience})`)
    .option('--scope <scopes>', 'space-separated scopes to request')
    .option('--organization <name-or-id>', 'Auth0 organization')
}

/**
 * The DPoP flags (RFC 9449), for the commands whose token is sent by the CLI
 * itself or printed (`token`, `call`).
 */
export function addDpopOptions(command: Command): Command {
  return command
    .option(
      '--dpop',
      'ask for a DPoP-bound token (RFC 9449) and send a proof with each call (env <PROFILE>_DPOP=true)',
    )
    .option('--no-dpop', 'bearer tokens, whatever <PROFILE>_DPOP says')
    .option(
      '--dpop-key <file>',
      'with --dpop: PEM private key (EC, RSA or Ed25519) that tokens are bound to; default a new key pair for this run only (env <PROFILE>_DPOP_KEY)',
    )
    .addOption(
      new Option(
        '--dpop-alg <alg>',
        "with --dpop: proof algorithm (env <PROFILE>_DPOP_ALG; default: the key's, ES256 for a new key)",
      ).choices(DPOP_ALGORITHMS),
    )
}

import { type Command, Option } from 'commander'

/** The flags every command that gets a token takes. */
export interface TokenFlags {
  envFile?: string
  issuer?: string
  domain?: string
  profile: string
  clientId?: string
  clientSecret?: string
  audience?: string
  scope?: string
  organization?: string
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
      'read the credentials from <NAME>_CLIENT_ID and <NAME>_CLIENT_SECRET',
      defaults.profile,
    )
    .option('--client-id <id>', 'client id (env <PROFILE>_CLIENT_ID)')
    .option(
      '--client-secret <secret>',
      'client secret (env <PROFILE>_CLIENT_SECRET; prefer the environment or a .env file)',
    )
    .option('--audience <id>', `API identifier the token is for (${defaults.audience})`)
    .option('--scope <scopes>', 'space-separated scopes to request')
    .option('--organization <name-or-id>', 'Auth0 organization')
}

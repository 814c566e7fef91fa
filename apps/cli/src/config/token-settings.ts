import type { TokenProviderOptions } from '@m2m/auth/token'
import { usageError } from '../errors.js'
import type { CliContext } from '../io.js'
import { type EnvLayers, loadEnvLayers } from './env-layers.js'
import { resolveIssuer } from './issuer.js'
import type { TokenFlags } from './token-options.js'

export interface TokenTarget {
  /** The audience when `--audience` does not give one (and, for generic commands, AUTH0_AUDIENCE). */
  defaultAudience?: (issuer: string) => string
  /**
   * Whether AUTH0_AUDIENCE, AUTH0_SCOPE and AUTH0_ORGANIZATION apply. Only the
   * generic commands (`token`, `call`) read them: `deliveries` and `logs` talk
   * to one API, whose audience is not the one a `.env` sets for `token`.
   */
  readAuth0Env: boolean
}

export interface TokenSettings {
  env: EnvLayers
  issuer: string
  provider: TokenProviderOptions
}

const PROFILE = /^[a-z][a-z0-9_-]{0,127}$/i

/**
 * Flags win over the environment, the environment over the env file. The
 * client secret joins the run's sensitive values at once, so no error can print it.
 */
export function resolveTokenSettings(
  flags: TokenFlags,
  ctx: CliContext,
  target: TokenTarget,
): TokenSettings {
  const env = loadEnvLayers(ctx.io, flags.envFile)
  const issuer = resolveIssuer(flags, env)
  if (!PROFILE.test(flags.profile)) {
    throw usageError(
      `--profile must be a name such as storefront, got ${JSON.stringify(flags.profile)}`,
    )
  }
  const prefix = flags.profile.toUpperCase().replace(/-/g, '_')
  const clientId = flags.clientId ?? env.get(`${prefix}_CLIENT_ID`)
  const clientSecret = flags.clientSecret ?? env.get(`${prefix}_CLIENT_SECRET`)
  if (clientSecret) ctx.sensitive.add(clientSecret)
  if (!clientId) throw missing('client id', '--client-id', `${prefix}_CLIENT_ID`)
  if (!clientSecret) throw missing('client secret', '--client-secret', `${prefix}_CLIENT_SECRET`)

  const fromEnv = (name: string) => (target.readAuth0Env ? env.get(name) : undefined)
  const audience = flags.audience ?? fromEnv('AUTH0_AUDIENCE') ?? target.defaultAudience?.(issuer)
  const scope = flags.scope ?? fromEnv('AUTH0_SCOPE')
  const organization = flags.organization ?? fromEnv('AUTH0_ORGANIZATION')
  return {
    env,
    issuer,
    provider: {
      issuer,
      clientId,
      clientSecret,
      ...(audience ? { audience } : {}),
      ...(scope ? { scope } : {}),
      ...(organization ? { organization } : {}),
      // A command waits for its one token: a few quick retries, then a clear error.
      retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, maxElapsedMs: 10_000 },
    },
  }
}

function missing(what: string, flag: string, variable: string) {
  return usageError(
    `no ${what}: give ${flag} or set ${variable} (in the environment or a .env file; --profile picks the prefix)`,
  )
}

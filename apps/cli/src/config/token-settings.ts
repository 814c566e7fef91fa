import type { KeyObject } from 'node:crypto'
import { resolve } from 'node:path'
import { AuthError } from '@m2m/auth/errors'
import {
  type ClientAssertionAlgorithm,
  readClientAssertionKey,
  type TokenProviderOptions,
} from '@m2m/auth/token'
import { usageError } from '../errors.js'
import type { CliContext } from '../io.js'
import { type DpopSettings, resolveDpopSettings } from './dpop-settings.js'
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
  /** Whether the command takes `--dpop` and reads `<PROFILE>_DPOP*` (`token`, `call`). */
  dpop?: boolean
}

export interface TokenSettings {
  env: EnvLayers
  issuer: string
  provider: TokenProviderOptions
  /** DPoP-bound tokens: the key, and the file it came from. */
  dpop?: DpopSettings
}

const PROFILE = /^[a-z][a-z0-9_-]{0,127}$/i

/**
 * Flags win over the environment, the environment over the env file. The
 * client secret joins the run's sensitive values at once, so no error can print
 * it; a private key file's content is never put in a message at all.
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
  const credential = pickCredential(flags, env, prefix)
  if (credential?.kind === 'secret') ctx.sensitive.add(credential.secret)
  if (!clientId) throw missing('client id', '--client-id', `${prefix}_CLIENT_ID`)
  if (!credential) {
    throw usageError(
      `no client secret: give --client-secret or set ${prefix}_CLIENT_SECRET (in the environment or a .env file; --profile picks the prefix), or use a private key: --private-key or ${prefix}_CLIENT_ASSERTION_SIGNING_KEY`,
    )
  }
  const authentication = clientAuthentication(credential, flags, ctx)
  const dpop = target.dpop ? resolveDpopSettings(flags, env, prefix, ctx) : undefined

  const fromEnv = (name: string) => (target.readAuth0Env ? env.get(name) : undefined)
  const audience = flags.audience ?? fromEnv('AUTH0_AUDIENCE') ?? target.defaultAudience?.(issuer)
  const scope = flags.scope ?? fromEnv('AUTH0_SCOPE')
  const organization = flags.organization ?? fromEnv('AUTH0_ORGANIZATION')
  return {
    env,
    issuer,
    ...(dpop ? { dpop } : {}),
    provider: {
      issuer,
      clientId,
      ...authentication,
      ...(audience ? { audience } : {}),
      ...(scope ? { scope } : {}),
      ...(organization ? { organization } : {}),
      ...(dpop ? { dpop: dpop.key } : {}),
      // A command waits for its one token: a few quick retries, then a clear error.
      retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, maxElapsedMs: 10_000 },
    },
  }
}

type Credential = { kind: 'secret'; secret: string } | { kind: 'key'; path: string; source: string }

/**
 * The client's secret or private key file: a flag (commander refuses both),
 * else the first layer that sets `<PREFIX>_CLIENT_SECRET` or
 * `<PREFIX>_CLIENT_ASSERTION_SIGNING_KEY` — and not both in one layer, which
 * would leave the choice to a rule nobody remembers.
 */
function pickCredential(flags: TokenFlags, env: EnvLayers, prefix: string): Credential | undefined {
  // An empty flag counts as given, and as missing: it does not fall back to the environment.
  if (flags.clientSecret !== undefined) {
    return flags.clientSecret ? { kind: 'secret', secret: flags.clientSecret } : undefined
  }
  if (flags.privateKey !== undefined) {
    return flags.privateKey
      ? { kind: 'key', path: flags.privateKey, source: '--private-key' }
      : undefined
  }
  const secretName = `${prefix}_CLIENT_SECRET`
  const keyName = `${prefix}_CLIENT_ASSERTION_SIGNING_KEY`
  for (const { origin, vars } of env.layers) {
    const secret = vars[secretName] || undefined
    const path = vars[keyName] || undefined
    if (secret && path) {
      throw usageError(`${secretName} and ${keyName} are both set (${origin}): keep one`)
    }
    if (secret) return { kind: 'secret', secret }
    if (path) return { kind: 'key', path, source: keyName }
  }
  return undefined
}

type ClientAuthenticationOptions = Pick<
  TokenProviderOptions,
  | 'clientSecret'
  | 'clientAssertionSigningKey'
  | 'clientAssertionSigningAlg'
  | 'clientAssertionKeyId'
>

function clientAuthentication(
  credential: Credential,
  flags: TokenFlags,
  ctx: CliContext,
): ClientAuthenticationOptions {
  if (credential.kind === 'secret') {
    if (flags.keyId !== undefined || flags.assertionAlg !== undefined) {
      throw usageError(
        '--key-id and --assertion-alg go with a private key (--private-key or <PROFILE>_CLIENT_ASSERTION_SIGNING_KEY), not a client secret',
      )
    }
    return { clientSecret: credential.secret }
  }
  return {
    clientAssertionSigningKey: readKey(resolve(ctx.io.cwd, credential.path), credential.source),
    ...(flags.assertionAlg
      ? { clientAssertionSigningAlg: flags.assertionAlg as ClientAssertionAlgorithm }
      : {}),
    ...(flags.keyId !== undefined ? { clientAssertionKeyId: flags.keyId } : {}),
  }
}

/** The key file as a `KeyObject`; the error names the flag or variable and the path, never the content. */
function readKey(path: string, source: string): KeyObject {
  try {
    return readClientAssertionKey(path, source)
  } catch (error) {
    if (error instanceof AuthError && error.code === 'AUTH_ERR_INVALID_OPTION') {
      throw usageError(error.message.replace(/^Invalid option: /, ''))
    }
    throw error
  }
}

function missing(what: string, flag: string, variable: string) {
  return usageError(
    `no ${what}: give ${flag} or set ${variable} (in the environment or a .env file; --profile picks the prefix)`,
  )
}

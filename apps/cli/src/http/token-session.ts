import type { DpopKey } from '@m2m/auth/dpop'
import { createTokenProvider, type QuotaBucket, type TypedAccessToken } from '@m2m/auth/token'
import type { TokenSettings } from '../config/token-settings.js'
import { CliError, ExitCode } from '../errors.js'
import type { CliContext } from '../io.js'

/** The tokens of one command: what the `@m2m/auth/http` interceptor and the commands use. */
export interface CliTokens {
  getToken(): Promise<string>
  getAccessToken(): Promise<TypedAccessToken>
  invalidate(token: string): Promise<void> | void
  /** With `--dpop`: the key the tokens are bound to, which signs each call's proof. */
  readonly dpopKey: DpopKey | undefined
  /** The token quota buckets the last exchange's answer reported. */
  readonly quota: readonly QuotaBucket[]
}

/**
 * A token provider for one command, closed when `use` settles. Every token it
 * hands out joins the run's sensitive values. With DPoP on, a token that comes
 * back as a bearer token is refused: the caller asked for a binding it would
 * not get, and `call` would otherwise send a bearer token after all.
 */
export async function withTokens<T>(
  settings: TokenSettings,
  ctx: CliContext,
  use: (tokens: CliTokens) => Promise<T>,
): Promise<T> {
  const provider = createTokenProvider(settings.provider)
  const audience = settings.provider.audience
  const getAccessToken = async (): Promise<TypedAccessToken> => {
    const token = await provider.getAccessToken()
    ctx.sensitive.add(token.accessToken)
    if (settings.dpop && token.tokenType !== 'DPoP') {
      throw new CliError(
        `could not get a DPoP-bound token: the token endpoint answered a ${token.tokenType} token (${audience ? `the API ${audience}` : 'the API'} does not take DPoP); --no-dpop asks for a bearer token`,
        ExitCode.AUTH,
      )
    }
    return token
  }
  const tokens: CliTokens = {
    getAccessToken,
    getToken: async () => (await getAccessToken()).accessToken,
    invalidate: (token: string) => provider.invalidate(token),
    dpopKey: provider.dpopKey,
    get quota() {
      return provider.quota
    },
  }
  try {
    return await use(tokens)
  } finally {
    await provider.close()
  }
}

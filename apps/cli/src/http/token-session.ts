import { createTokenProvider, type TokenProvider } from '@m2m/auth/token'
import type { TokenSettings } from '../config/token-settings.js'
import type { CliContext } from '../io.js'

/**
 * A token provider for one command, closed when `use` settles. Every token it
 * hands out joins the run's sensitive values.
 */
export async function withTokens<T>(
  settings: TokenSettings,
  ctx: CliContext,
  use: (tokens: Pick<TokenProvider, 'getToken' | 'invalidate'>) => Promise<T>,
): Promise<T> {
  const provider = createTokenProvider(settings.provider)
  const tokens = {
    async getToken() {
      const token = await provider.getToken()
      ctx.sensitive.add(token)
      return token
    },
    invalidate: (token: string) => provider.invalidate(token),
  }
  try {
    return await use(tokens)
  } finally {
    await provider.close()
  }
}

import {
  type AccessTokenSource,
  type TokenProviderMetrics,
  zeroTokenMetrics,
} from '@m2m/auth/token'
import { Agent, request } from 'undici'

/**
 * What the seed samples do: a POST to /oauth/token before every call, no
 * cache, no single flight. An `AccessTokenSource`, so the service takes it
 * in place of `createTokenProvider` with no other change.
 */
export function createNaiveTokenSource(options: {
  issuer: string
  clientId: string
  clientSecret: string
  audience: string
}): AccessTokenSource & { metrics: TokenProviderMetrics; close(): Promise<void> } {
  const agent = new Agent({ connections: 128 })
  const metrics = zeroTokenMetrics()
  const body = JSON.stringify({
    grant_type: 'client_credentials',
    client_id: options.clientId,
    client_secret: options.clientSecret,
    audience: options.audience,
  })
  return {
    metrics,
    async getToken() {
      metrics.tokenRequests++
      metrics.cacheMisses++
      const response = await request(`${options.issuer}oauth/token`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body,
      })
      const answer = (await response.body.json()) as { access_token?: string }
      if (response.statusCode !== 200 || !answer.access_token) {
        metrics.failures++
        throw new Error(`token endpoint answered ${response.statusCode}`)
      }
      metrics.exchanges++
      return answer.access_token
    },
    invalidate() {},
    close: () => agent.close(),
  }
}

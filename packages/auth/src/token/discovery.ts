import { type Dispatcher, request } from 'undici'
import { DiscoveryError, TokenNetworkError } from '../errors.js'
import type { ExchangeFailure } from './client-credentials.js'
import type { ProviderLogger } from './provider-options.js'

/**
 * Reads the token endpoint from the issuer's OpenID Provider metadata
 * (`<issuer>.well-known/openid-configuration`). The document must name the
 * same issuer (RFC 8414 §3.3), so a misrouted or spoofed document is refused.
 */
export async function discoverTokenEndpoint(
  issuer: string,
  dispatcher: Dispatcher,
  timeoutMs: number,
  logger?: ProviderLogger,
): Promise<string> {
  const url = `${withoutTrailingSlash(issuer)}/.well-known/openid-configuration`
  let response: Dispatcher.ResponseData
  try {
    response = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (cause) {
    throw exchangeFailure(new TokenNetworkError(`discovery at ${url} failed`, { cause }), true)
  }
  const text = await response.body.text()
  if (response.statusCode !== 200) {
    const retryable = response.statusCode === 429 || response.statusCode >= 500
    throw exchangeFailure(new DiscoveryError(`${url} answered ${response.statusCode}`), retryable)
  }
  let metadata: { issuer?: unknown; token_endpoint?: unknown }
  try {
    metadata = JSON.parse(text)
  } catch (cause) {
    throw exchangeFailure(new DiscoveryError(`${url} is not JSON`, { cause }), false)
  }
  if (
    typeof metadata.issuer !== 'string' ||
    withoutTrailingSlash(metadata.issuer) !== withoutTrailingSlash(issuer)
  ) {
    throw exchangeFailure(
      new DiscoveryError(`${url} names issuer ${String(metadata.issuer)}, expected ${issuer}`),
      false,
    )
  }
  if (typeof metadata.token_endpoint !== 'string' || !URL.canParse(metadata.token_endpoint)) {
    throw exchangeFailure(new DiscoveryError(`${url} has no valid token_endpoint`), false)
  }
  const endpoint = new URL(metadata.token_endpoint)
  const issuerUrl = new URL(issuer)
  // The client secret goes to this URL: never over plain http unless the
  // issuer itself is plain http (a local tenant), and say so when it leaves
  // the issuer's origin.
  if (endpoint.protocol !== 'https:' && issuerUrl.protocol === 'https:') {
    throw exchangeFailure(
      new DiscoveryError(`${url} names a token_endpoint that is not https: ${endpoint.href}`),
      false,
    )
  }
  if (endpoint.origin !== issuerUrl.origin) {
    logger?.warn(
      { issuer, tokenEndpoint: endpoint.href },
      'the discovered token endpoint is on another origin than the issuer',
    )
  }
  return metadata.token_endpoint
}

function exchangeFailure(error: Error, retryable: boolean): ExchangeFailure {
  return { error, retryable }
}

function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url
}

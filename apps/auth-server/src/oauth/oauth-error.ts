import { OAuthError } from '../errors.js'
import type { QuotaKind, QuotaRefusal } from './token-quota.js'

/** The `error_description` of a quota refusal, by the quota that refused. */
export const QUOTA_EXCEEDED: Readonly<Record<QuotaKind, string>> = Object.freeze({
  client: 'Client quota exceeded',
  organization: 'Organization quota exceeded',
  plan: 'Machine to Machine Auth is currently being denied as you have exceeded your plan limit for this month',
})

/** The answers of auth0-facts.md, one constructor each. */
export const auth0Errors = {
  unauthorized: () => new OAuthError(401, 'access_denied', 'Unauthorized'),
  serviceNotEnabled: (audience: string) =>
    new OAuthError(403, 'access_denied', `Service not enabled within domain: ${audience}`),
  noClientGrant: (audience: string) =>
    new OAuthError(
      403,
      'access_denied',
      `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API.`,
    ),
  scopesNotGranted: (scopes: string[]) =>
    new OAuthError(403, 'access_denied', `Client has not been granted scopes: ${scopes.join(' ')}`),
  grantTypeNotAllowed: () =>
    new OAuthError(
      403,
      'unauthorized_client',
      "Grant type 'client_credentials' not allowed for the client.",
      { error_uri: 'https://auth0.com/docs/clients/client-grant-types' },
    ),
  noAudience: () =>
    new OAuthError(403, 'access_denied', 'Non-global clients are not allowed access to APIv1'),
  missingParameter: (name: string) =>
    new OAuthError(400, 'invalid_request', `Missing required parameter: ${name}`),
  invalidParameter: (name: string, why: string) =>
    new OAuthError(400, 'invalid_request', `Invalid parameter ${name}: ${why}`),
  unsupportedGrantType: (grantType: string) =>
    new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`),
  multipleAuthMethods: () =>
    new OAuthError(
      400,
      'invalid_request',
      'The client must authenticate with one method only: Authorization header or client_secret',
    ),
  secretAndAssertion: () =>
    new OAuthError(
      400,
      'invalid_request',
      'The client must authenticate with one method only: a client secret or a client_assertion',
    ),
  /** RFC 6749 §5.2: client authentication failed (private_key_jwt, RFC 7523 §3.2). */
  invalidClient: (description: string) => new OAuthError(401, 'invalid_client', description),
  secretNotAllowed: () =>
    new OAuthError(
      401,
      'invalid_client',
      'The client authenticates with private_key_jwt: send a client_assertion, not a client_secret',
    ),
  assertionsUnavailable: () =>
    new OAuthError(
      503,
      'temporarily_unavailable',
      'Too many client assertions are being tracked for replay; retry in a few minutes',
    ),
  proofsUnavailable: () =>
    new OAuthError(
      503,
      'temporarily_unavailable',
      'Too many DPoP proofs are being tracked for replay; retry in a few minutes',
    ),
  /** RFC 9449 §5: a DPoP proof refused (`invalid_dpop_proof`) or without the server's nonce (`use_dpop_nonce`). */
  dpopProof: (error: string, description: string) => new OAuthError(400, error, description),
  multipleDpopProofs: () =>
    new OAuthError(
      400,
      'invalid_dpop_proof',
      'The request must carry exactly one DPoP header (RFC 9449 §4.3)',
    ),
  // Unverified against Auth0 (its documentation says "Not Issued"): status and wording chosen.
  dpopRequired: (audience: string) =>
    new OAuthError(
      400,
      'invalid_dpop_proof',
      `A DPoP proof is required: the API "${audience}" accepts sender-constrained tokens only`,
    ),
  popNotServedByApi: (audience: string) =>
    new OAuthError(
      400,
      'invalid_request',
      `The client requires sender-constrained tokens, but the API "${audience}" does not accept DPoP`,
    ),
  mtlsRequired: (audience: string) =>
    new OAuthError(
      400,
      'invalid_request',
      `The API "${audience}" requires mTLS-bound tokens, which this tenant does not issue`,
    ),
  // Unverified against Auth0: status and wording chosen as documented in the README.
  organizationNotFound: (organization: string) =>
    new OAuthError(400, 'invalid_request', `Organization not found: ${organization}`),
  organizationNotAllowed: () =>
    new OAuthError(403, 'access_denied', 'The client grant does not allow organizations'),
  organizationRequired: () =>
    new OAuthError(403, 'access_denied', 'The client grant requires an organization'),
  organizationNotGranted: (organization: string) =>
    new OAuthError(
      403,
      'access_denied',
      `Organization ${organization} is not associated with this client grant`,
    ),
  rateLimited: (retryAfterSeconds: number) =>
    new OAuthError(429, 'too_many_requests', 'Too many requests', {
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  /**
   * An enforced quota is spent: Auth0's 429 with the quota headers, `Retry-After`
   * and `X-RateLimit-*` describing the bucket that refused (Remaining 0).
   * `Client quota exceeded` is Auth0's documented wording; the organization's
   * and the plan's are unverified (chosen, see the README).
   */
  quotaExceeded: (refusal: QuotaRefusal, quotaHeaders: Readonly<Record<string, string>>) =>
    new OAuthError(429, 'too_many_requests', QUOTA_EXCEEDED[refusal.kind], {
      headers: {
        ...quotaHeaders,
        'retry-after': String(refusal.retryAfter),
        'x-ratelimit-limit': String(refusal.limit),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(refusal.reset),
      },
    }),
  actionDenied: (code: string, reason: string) =>
    new OAuthError(code === 'invalid_request' ? 400 : 403, code, reason),
  actionFailed: (actionName: string) =>
    new OAuthError(500, 'server_error', `Action "${actionName}" failed to execute`),
}

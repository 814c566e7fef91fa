import {
  type ActionOutcome,
  clientForEvent,
  type createActionRunner,
  organizationForEvent,
} from '../actions/action-runner.js'
import { senderConstraint } from '../dpop/proof-of-possession.js'
import type { TokenEndpointDpop } from '../dpop/token-endpoint-dpop.js'
import { OAuthError } from '../errors.js'
import type { LogStore } from '../logs/log-store.js'
import type { createSecretChecker } from '../secrets.js'
import type { TenantState } from '../state/tenant-state.js'
import { acceptsSecret, type Client, grantedScopes, type Organization } from '../tenant/model.js'
import type { AccessTokenInput } from './access-token.js'
import type { createClientAssertionVerifier } from './client-assertion.js'
import { readClientCredentials } from './client-authentication.js'
import { auth0Errors } from './oauth-error.js'
import { quotaWarningEvent } from './quota-warning-log.js'
import {
  type createRateLimiter,
  type RateLimitState,
  rateLimitHeaders as rateHeaders,
} from './rate-limiter.js'
import type { TokenMetrics } from './token-metrics.js'
import type { QuotaRefusal, QuotaReservation, TokenQuota } from './token-quota.js'

export interface TokenRequest {
  body: Record<string, string | undefined>
  authorization: string | undefined
  ip: string
  userAgent: string | undefined
  hostname: string
  /** Every `DPoP` header value of the request (RFC 9449 allows one). */
  dpop: readonly string[]
}

export interface TokenAnswer {
  statusCode: number
  body: Record<string, unknown>
  headers: Record<string, string>
}

export interface TokenExchangeDeps {
  state: TenantState
  sign: (input: AccessTokenInput) => Promise<{ token: string; expiresIn: number }>
  checkSecret: ReturnType<typeof createSecretChecker>
  /** `private_key_jwt`: the client of a client assertion, or a 401 `invalid_client`. */
  authenticateAssertion: ReturnType<typeof createClientAssertionVerifier>
  rateLimit: ReturnType<typeof createRateLimiter>
  /** Fine-grained quotas (client, organization) and the plan's monthly allowance. */
  quota: Pick<TokenQuota, 'reserve'>
  /** `m2m.tenant.tokens.issued`, one count per answer. */
  metrics?: Pick<TokenMetrics, 'issued' | 'refused'>
  logs: LogStore
  runActions: ReturnType<typeof createActionRunner>
  /** DPoP proofs (RFC 9449): verified, then bound to the token as the API's policy says. */
  dpop: TokenEndpointDpop
  tenantId: string
  /** Called on every answer, for test controls' counters. */
  onExchange?: (clientId: string | undefined, ok: boolean) => void
}

/**
 * The client-credentials exchange of `POST /oauth/token`, step by step as
 * Auth0 answers it (auth0-facts.md): client authentication (a secret, or a
 * `private_key_jwt` assertion), rate limit,
 * grant type, DPoP proof, audience and its proof-of-possession policy, client
 * grant, scopes, organization, quotas (the client's and the organization's
 * buckets and the plan's allowance, all reserved at once), Actions, then a
 * signed token (bound to the proof's key where the API takes DPoP). Every
 * answer is logged (`seccft` / `feccft`, and `token_quota_consumption_warning`
 * when an issued token crosses a quota threshold) and counted.
 */
export function createTokenExchange(deps: TokenExchangeDeps) {
  const { state } = deps

  return async function exchange(request: TokenRequest): Promise<TokenAnswer> {
    let rate: RateLimitState | undefined
    let client: Client | undefined
    let presentedClientId: string | undefined
    let quota: QuotaReservation | undefined
    let audience: string | undefined
    /** The audience once it names an API of this tenant (a metric attribute). */
    let apiIdentifier: string | undefined
    try {
      const { body } = request
      const grantType = body.grant_type
      if (!grantType) throw auth0Errors.missingParameter('grant_type')
      const presented = readClientCredentials(request.authorization, body)
      presentedClientId = presented.clientId
      if (grantType !== 'client_credentials') throw auth0Errors.unsupportedGrantType(grantType)

      if (presented.method === 'private_key_jwt') {
        client = await deps.authenticateAssertion(presented.assertion, presented.requestedClientId)
      } else {
        const candidate = state.client(presented.clientId)
        // A private_key_jwt client's secret is refused, whatever it is (Auth0: one method or the other).
        if (candidate && presented.clientSecret !== undefined && !acceptsSecret(candidate)) {
          throw auth0Errors.secretNotAllowed()
        }
        const usable =
          candidate !== undefined &&
          presented.clientSecret !== undefined &&
          candidate.token_endpoint_auth_method !== 'none'
        // An unknown client pays the same scrypt as a wrong secret: timing tells nothing.
        const authenticated = await deps.checkSecret(
          usable ? candidate.client_secret_hash : undefined,
          presented.clientSecret ?? '',
        )
        if (!usable || !authenticated) throw auth0Errors.unauthorized()
        client = candidate
      }
      // The per-client limit is charged only once the client proved who it is,
      // so nobody can exhaust another client's budget by naming its id.
      rate = deps.rateLimit(client.client_id)
      if (!rate.allowed) throw auth0Errors.rateLimited(rate.retryAfter)
      if (!client.grant_types.includes('client_credentials'))
        throw auth0Errors.grantTypeNotAllowed()

      audience = body.audience || state.settings.default_audience
      // Verified whatever the API's policy, so a bad proof is never silently ignored.
      const proof = await deps.dpop.verify(request.dpop)
      if (!audience) throw auth0Errors.noAudience()
      const api = state.resourceServerForAudience(audience)
      if (!api) throw auth0Errors.serviceNotEnabled(audience)
      apiIdentifier = api.identifier
      const constraint = senderConstraint(api, client, proof)
      const grant = state.grantFor(client.client_id, api.identifier, {
        thirdParty: client.auth0_fields?.is_first_party === false,
      })
      if (!grant) throw auth0Errors.noClientGrant(audience)

      const granted = grantedScopes(grant, api)
      const requested = (body.scope ?? '').split(' ').filter(Boolean)
      const notGranted = requested.filter((s) => !granted.includes(s))
      if (notGranted.length > 0) throw auth0Errors.scopesNotGranted(notGranted)

      const organization = resolveOrganization(body.organization, grant, client)

      // Synchronous, before anything awaits: concurrent exchanges cannot overspend.
      quota = deps.quota.reserve({
        client,
        ...(organization ? { organization } : {}),
        settings: state.settings,
        // Management API tokens do not count against the plan's M2M allowance, as on Auth0.
        countsForPlan: api.is_system !== true,
      })
      if (!quota.allowed) {
        throw auth0Errors.quotaExceeded(quota.refusal as QuotaRefusal, quota.headers)
      }

      const outcome =
        deps.runActions.count === 0
          ? NO_ACTIONS
          : await deps.runActions({
              client: clientForEvent(client),
              resource_server: { identifier: api.identifier },
              request: {
                body: redactBody(body),
                ip: request.ip,
                method: 'POST',
                hostname: request.hostname,
                user_agent: request.userAgent,
              },
              ...(organization ? { organization: organizationForEvent(organization) } : {}),
              transaction: { requested_scopes: requested },
              grantedScopes: granted,
              tenant: { id: deps.tenantId },
            })
      if (outcome.kind === 'deny') throw auth0Errors.actionDenied(outcome.code, outcome.reason)
      if (outcome.kind === 'failed') throw auth0Errors.actionFailed(outcome.action)

      // Auth0 issues every scope of the grant, whatever subset was asked for.
      const { token, expiresIn } = await deps.sign({
        clientId: client.client_id,
        resourceServer: api,
        scopes: granted,
        organization,
        withOrgName: state.settings.allow_organization_name_in_authentication_api === true,
        customClaims: outcome.customClaims,
        ...(constraint.kind === 'dpop' ? { jkt: constraint.jkt } : {}),
      })
      const spent = quota
      quota = undefined // spent for good
      const warnings = spent.commit()
      const scope = granted.join(' ')
      deps.logs.add({
        type: 'seccft',
        description: 'Client Credentials for Access Token',
        client_id: client.client_id,
        client_name: client.name,
        audience,
        scope,
        ip: request.ip,
        ...(request.userAgent ? { user_agent: request.userAgent } : {}),
        hostname: request.hostname,
      })
      for (const warning of warnings) {
        deps.logs.add(
          quotaWarningEvent(warning, {
            clientId: client.client_id,
            clientName: client.name,
            tenantId: deps.tenantId,
            ip: request.ip,
            userAgent: request.userAgent,
            hostname: request.hostname,
          }),
        )
      }
      deps.metrics?.issued(client.client_id, api.identifier)
      deps.onExchange?.(client.client_id, true)
      const headers = { ...rateHeaders(rate), ...deps.dpop.nonceHeaders(), ...spent.headers }
      headers['cache-control'] = 'no-store'
      headers.pragma = 'no-cache'
      const tokenType = constraint.kind === 'dpop' ? 'DPoP' : 'Bearer'
      return {
        statusCode: 200,
        body: api.is_system
          ? { access_token: token, scope, expires_in: expiresIn, token_type: tokenType }
          : { access_token: token, expires_in: expiresIn, token_type: tokenType },
        headers,
      }
    } catch (error) {
      quota?.release()
      const failure =
        error instanceof OAuthError
          ? error
          : new OAuthError(500, 'server_error', 'The token could not be issued')
      deps.logs.add({
        type: 'feccft',
        description: failure.description,
        // Auth0 logs the client a failed exchange named, authenticated or not.
        ...(presentedClientId ? { client_id: presentedClientId } : {}),
        ...(presentedClientId && state.client(presentedClientId)
          ? { client_name: state.client(presentedClientId)?.name }
          : {}),
        ...(audience ? { audience } : {}),
        ip: request.ip,
        ...(request.userAgent ? { user_agent: request.userAgent } : {}),
        hostname: request.hostname,
        details: { error: failure.error, status: failure.statusCode },
      })
      deps.metrics?.refused(client?.client_id, apiIdentifier, failure.error)
      deps.onExchange?.(presentedClientId, false)
      if (!(error instanceof OAuthError)) throw error
      return {
        statusCode: failure.statusCode,
        body: failure.toBody(),
        headers: {
          ...(rate ? rateHeaders(rate) : {}),
          ...deps.dpop.nonceHeaders(),
          ...failure.extra.headers,
          'cache-control': 'no-store',
        },
      }
    }
  }

  function resolveOrganization(
    named: string | undefined,
    grant: { id: string; organization_usage?: string; allow_any_organization?: boolean },
    client: Client,
  ): Organization | undefined {
    const usage = grant.organization_usage ?? 'deny'
    // Without an organization in the request, the client's default one for this flow.
    const fallback =
      named === undefined &&
      usage !== 'deny' &&
      client.default_organization?.flows.includes('client_credentials')
        ? client.default_organization.organization_id
        : undefined
    const requested = named || fallback
    if (!requested) {
      if (usage === 'require') throw auth0Errors.organizationRequired()
      return undefined
    }
    if (usage === 'deny') throw auth0Errors.organizationNotAllowed()
    // By name only where the tenant allows it (Auth0's allow_organization_name_in_authentication_api);
    // a default organization, being configuration, by either.
    const byName =
      fallback !== undefined ||
      state.settings.allow_organization_name_in_authentication_api === true
    const organization = state.organization(requested, { byName })
    if (!organization) throw auth0Errors.organizationNotFound(requested)
    if (!grant.allow_any_organization && !state.organizationHasGrant(organization, grant.id)) {
      throw auth0Errors.organizationNotGranted(requested)
    }
    return organization
  }
}

const NO_ACTIONS: ActionOutcome = Object.freeze({ kind: 'allow', customClaims: Object.freeze({}) })

/** Actions see the request body without the secret or the assertion, as on Auth0. */
function redactBody(body: Record<string, string | undefined>): Record<string, unknown> {
  const { client_secret: _secret, client_assertion: _assertion, ...rest } = body
  return rest
}

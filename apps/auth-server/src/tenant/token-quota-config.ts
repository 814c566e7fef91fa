import type { DefaultTokenQuota, TokenQuota, TokenQuotaLimits } from './model.js'

/**
 * Auth0's fine-grained M2M token quotas as configuration: the JSON Schemas of
 * `token_quota` (clients, organizations) and `default_token_quota` (tenant
 * settings), shared by the tenant file and the Management API, and their
 * normalized form (`enforce` defaults to `true`, as on Auth0).
 */

/** Auth0's bound on `per_hour` / `per_day` (`TokenQuotaClientCredentials`: a 32-bit integer). */
export const TOKEN_QUOTA_MAX = 2_147_483_647

const count = { type: 'integer', minimum: 1, maximum: TOKEN_QUOTA_MAX }

/**
 * `client_credentials` of a quota. `minProperties` is Auth0's rule for a
 * request body; the tenant file leaves it out (Auth0's own answers may hold `{}`).
 */
export function tokenQuotaLimitsSchema(options: { minProperties?: boolean } = {}) {
  return {
    type: 'object',
    additionalProperties: false,
    ...(options.minProperties ? { minProperties: 1 } : {}),
    properties: { enforce: { type: 'boolean' }, per_hour: count, per_day: count },
  }
}

/** A `token_quota`: `{ client_credentials: { enforce?, per_hour?, per_day? } }`. */
export function tokenQuotaSchema(options: { nullable?: boolean; minProperties?: boolean } = {}) {
  return {
    type: 'object',
    ...(options.nullable ? { nullable: true } : {}),
    required: ['client_credentials'],
    additionalProperties: false,
    properties: { client_credentials: tokenQuotaLimitsSchema(options) },
  }
}

/** The tenant setting `default_token_quota`: `{ clients?, organizations? }`. */
export function defaultTokenQuotaSchema(
  options: { nullable?: boolean; minProperties?: boolean } = {},
) {
  const quota = tokenQuotaSchema({ minProperties: options.minProperties ?? false })
  return {
    type: 'object',
    ...(options.nullable ? { nullable: true } : {}),
    additionalProperties: false,
    ...(options.minProperties ? { minProperties: 1 } : {}),
    properties: { clients: quota, organizations: quota },
  }
}

/** What a quota body may hold before it is normalized. */
export interface TokenQuotaInput {
  client_credentials: { enforce?: boolean; per_hour?: number; per_day?: number }
}

/** A validated quota as the tenant holds it: `enforce` explicit (Auth0's default `true`). */
export function normalizeTokenQuota(input: TokenQuotaInput): TokenQuota {
  const { enforce, per_hour, per_day } = input.client_credentials
  const limits: TokenQuotaLimits = { enforce: enforce ?? true }
  if (per_hour !== undefined) limits.per_hour = per_hour
  if (per_day !== undefined) limits.per_day = per_day
  return { client_credentials: limits }
}

/** A validated `default_token_quota`, each half normalized; `undefined` when it holds neither. */
export function normalizeDefaultTokenQuota(input: {
  clients?: TokenQuotaInput
  organizations?: TokenQuotaInput
}): DefaultTokenQuota | undefined {
  const out: DefaultTokenQuota = {}
  if (input.clients) out.clients = normalizeTokenQuota(input.clients)
  if (input.organizations) out.organizations = normalizeTokenQuota(input.organizations)
  return out.clients || out.organizations ? out : undefined
}

/**
 * A quota stored before the tenant acted on it (the Management API kept
 * `token_quota` / `default_token_quota` as given, in `auth0_fields`), read
 * only when it has the shape above.
 */
export function storedTokenQuota(value: unknown): TokenQuota | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const limits = (value as { client_credentials?: unknown }).client_credentials
  if (typeof limits !== 'object' || limits === null) return undefined
  const { enforce, per_hour, per_day } = limits as Record<string, unknown>
  const valid = (n: unknown) =>
    n === undefined ||
    (Number.isInteger(n) && (n as number) >= 1 && (n as number) <= TOKEN_QUOTA_MAX)
  if (!valid(per_hour) || !valid(per_day)) return undefined
  if (enforce !== undefined && typeof enforce !== 'boolean') return undefined
  return normalizeTokenQuota({
    client_credentials: {
      ...(enforce === undefined ? {} : { enforce }),
      ...(per_hour === undefined ? {} : { per_hour: per_hour as number }),
      ...(per_day === undefined ? {} : { per_day: per_day as number }),
    },
  })
}

import type { LogEvent } from '../logs/log-store.js'
import type { QuotaWarning } from './token-quota.js'

/** Where the token request that crossed a threshold came from. */
export interface QuotaWarningContext {
  clientId: string
  clientName: string
  /** The tenant's id: the entity of the plan's allowance. */
  tenantId: string
  ip: string
  userAgent: string | undefined
  hostname: string
}

const ENTITY_TYPE = { client: 'client', organization: 'organization', plan: 'tenant' } as const

/**
 * Auth0's `token_quota_consumption_warning` log event ("Fine-Grained M2M
 * Token Quotas", Consumption warning logs): description
 * `<percent>% of <entity_type> <bucket> quota consumed`, and `details`
 * `{ bucket, entity_type, entity_id, quota, quota_consumption_percentage,
 * quota_consumption }`. The plan's monthly allowance, which Auth0 reports
 * by email rather than in the logs, is written the same way with
 * `entity_type: tenant` and `bucket: monthly` (a local simulation).
 */
export function quotaWarningEvent(
  warning: QuotaWarning,
  context: QuotaWarningContext,
): Omit<LogEvent, 'log_id' | 'date'> {
  const entityType = ENTITY_TYPE[warning.kind]
  return {
    type: 'token_quota_consumption_warning',
    description: `${warning.percentage}% of ${entityType} ${warning.bucket} quota consumed`,
    client_id: context.clientId,
    client_name: context.clientName,
    ip: context.ip,
    ...(context.userAgent ? { user_agent: context.userAgent } : {}),
    hostname: context.hostname,
    details: {
      bucket: warning.bucket,
      entity_type: entityType,
      entity_id: warning.kind === 'plan' ? context.tenantId : warning.id,
      quota: warning.quota,
      quota_consumption_percentage: warning.percentage,
      quota_consumption: warning.consumption,
    },
  }
}

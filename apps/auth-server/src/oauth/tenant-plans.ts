/**
 * Auth0 subscription plans whose monthly M2M token allowance the local tenant
 * can simulate. Free: 1,000 tokens a month per tenant, then "further M2M
 * tokens are blocked until the plan is upgraded or the month resets" (Auth0
 * community, "What happens when M2M tokens are used up"). Paid plans are not
 * blocked (Auth0 averages three months and asks for an upgrade), so they are
 * not simulated: leave the plan unset.
 */
export const TENANT_PLANS = ['free'] as const
export type TenantPlan = (typeof TENANT_PLANS)[number]

/** Tokens a month, for client-credentials tokens to APIs other than the Management API. */
export const MONTHLY_M2M_TOKENS: Readonly<Record<TenantPlan, number>> = Object.freeze({
  free: 1_000,
})

/** Consumption (percent) at which the simulated plan logs a warning, as Auth0 warns its admins. */
export const PLAN_WARNING_THRESHOLDS: readonly number[] = Object.freeze([80, 100])

/** Consumption (percent) at which Auth0 logs `token_quota_consumption_warning` for a fine-grained quota. */
export const QUOTA_WARNING_THRESHOLDS: readonly number[] = Object.freeze([60, 80, 100])

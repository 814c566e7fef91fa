import type { Client, Organization, TenantSettings, TokenQuotaLimits } from '../tenant/model.js'
import { type QuotaBucket, windowEnd, windowStart } from './quota-windows.js'
import { PLAN_WARNING_THRESHOLDS, QUOTA_WARNING_THRESHOLDS } from './tenant-plans.js'

/** Whose tokens a bucket counts: a client's, an organization's, or the whole tenant's (its plan). */
export type QuotaKind = 'client' | 'organization' | 'plan'

/** One bucket's count in its current window. */
interface Counter {
  readonly kind: QuotaKind
  readonly id: string
  readonly bucket: QuotaBucket
  /** Start of the window `used` counts, epoch ms. */
  window: number
  end: number
  used: number
  /** The highest warning threshold (percent) already logged in this window. */
  warned: number
  /** As last configured: a change applies from the next request. */
  quota: number
  enforce: boolean
}

type Buckets = Partial<Record<QuotaBucket, Counter>>

export interface TokenQuotaOptions {
  now?: () => number
  /** The plan's monthly M2M allowance for the whole tenant (tokens); none when undefined. */
  monthlyAllowance?: number
}

/** What a token request is counted against. */
export interface QuotaSubject {
  client: Client
  /** The organization of the request (named or the client's default), if any. */
  organization?: Organization
  settings: TenantSettings
  /** False for tokens that do not count against the plan (the Management API's). */
  countsForPlan: boolean
}

/** The bucket a refusal waits for: the exhausted, enforced one that refills last. */
export interface QuotaRefusal {
  kind: QuotaKind
  bucket: QuotaBucket
  limit: number
  /** Seconds until it refills. */
  retryAfter: number
  /** Epoch seconds when it refills. */
  reset: number
}

/** A threshold crossed by an issued token: Auth0's `token_quota_consumption_warning`. */
export interface QuotaWarning {
  kind: QuotaKind
  /** The client's or organization's id; the tenant's for the plan. */
  id: string
  bucket: QuotaBucket
  quota: number
  percentage: number
  consumption: number
}

export interface QuotaReservation {
  readonly allowed: boolean
  /** `auth0-client-quota-limit` / `auth0-organization-quota-limit`, for the quotas that apply. */
  readonly headers: Readonly<Record<string, string>>
  readonly refusal: QuotaRefusal | undefined
  /** The token was issued: the thresholds its count crossed, each once per window. */
  commit(): readonly QuotaWarning[]
  /** The exchange failed: the tokens taken go back (once; never into a later window). */
  release(): void
}

/** One bucket's count in the window holding now, as the dashboard shows it. */
export interface QuotaUsage {
  /** Tokens counted in the current window: 0 before its first token or once its window ended. */
  used: number
  /** Epoch ms when the current window ends (the bucket refills). */
  resetsAt: number
  /** Epoch ms: the quota's clock when asked. */
  at: number
}

const NO_WARNINGS: readonly QuotaWarning[] = Object.freeze([])
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

/** What a request with no quota at all gets: nothing allocated. */
const UNLIMITED: QuotaReservation = Object.freeze({
  allowed: true,
  headers: NO_HEADERS,
  refusal: undefined,
  commit: () => NO_WARNINGS,
  release() {},
})

const CLIENT_HEADER = 'auth0-client-quota-limit'
const ORGANIZATION_HEADER = 'auth0-organization-quota-limit'

/**
 * Auth0's fine-grained M2M token quotas (tokens issued per client and per
 * organization, per UTC hour and/or day; a client's or organization's own
 * quota, else the tenant default for clients / organizations), and the plan's
 * monthly allowance for the whole tenant. Every bucket that applies is
 * counted, enforced or not; only enforced ones refuse.
 *
 * A reservation takes one token from every bucket at once, or none when an
 * enforced one is spent: it is made synchronously, before the exchange awaits
 * anything, so concurrent requests can never overspend any bucket.
 */
export function createTokenQuota(options: TokenQuotaOptions = {}) {
  const now = options.now ?? Date.now
  const clients = new Map<string, Buckets>()
  const organizations = new Map<string, Buckets>()
  let plan: Counter | undefined

  function counter(
    owners: Map<string, Buckets>,
    kind: QuotaKind,
    id: string,
    bucket: QuotaBucket,
    quota: number,
    enforce: boolean,
    at: number,
  ): Counter {
    let buckets = owners.get(id)
    if (!buckets) {
      buckets = {}
      owners.set(id, buckets)
    }
    let found = buckets[bucket]
    if (!found) {
      found = { kind, id, bucket, window: -1, end: 0, used: 0, warned: 0, quota, enforce }
      buckets[bucket] = found
    }
    return current(found, quota, enforce, at)
  }

  function current(found: Counter, quota: number, enforce: boolean, at: number): Counter {
    const start = windowStart(found.bucket, at)
    if (found.window !== start) {
      found.window = start
      found.end = windowEnd(found.bucket, start)
      found.used = 0
      found.warned = 0
    }
    found.quota = quota
    found.enforce = enforce
    return found
  }

  function add(
    slots: Counter[],
    owners: Map<string, Buckets>,
    kind: QuotaKind,
    id: string,
    limits: TokenQuotaLimits | undefined,
    at: number,
  ): void {
    if (!limits) return
    if (limits.per_hour !== undefined) {
      slots.push(counter(owners, kind, id, 'per_hour', limits.per_hour, limits.enforce, at))
    }
    if (limits.per_day !== undefined) {
      slots.push(counter(owners, kind, id, 'per_day', limits.per_day, limits.enforce, at))
    }
  }

  return {
    reserve(subject: QuotaSubject): QuotaReservation {
      const { client, organization, settings } = subject
      const defaults = settings.default_token_quota
      const clientLimits =
        client.token_quota?.client_credentials ?? defaults?.clients?.client_credentials
      const organizationLimits =
        organization &&
        (organization.token_quota?.client_credentials ??
          defaults?.organizations?.client_credentials)
      const withPlan = subject.countsForPlan && options.monthlyAllowance !== undefined
      if (!clientLimits && !organizationLimits && !withPlan) return UNLIMITED

      const at = now()
      const slots: Counter[] = []
      add(slots, clients, 'client', client.client_id, clientLimits, at)
      if (organization)
        add(slots, organizations, 'organization', organization.id, organizationLimits, at)
      if (withPlan) {
        plan ??= {
          kind: 'plan',
          id: 'tenant',
          bucket: 'monthly',
          window: -1,
          end: 0,
          used: 0,
          warned: 0,
          quota: 0,
          enforce: true,
        }
        slots.push(current(plan, options.monthlyAllowance as number, true, at))
      }
      if (slots.length === 0) return UNLIMITED

      let refusedBy: Counter | undefined
      for (const slot of slots) {
        if (slot.enforce && slot.used >= slot.quota && (!refusedBy || slot.end > refusedBy.end)) {
          refusedBy = slot
        }
      }
      if (refusedBy) {
        return {
          allowed: false,
          headers: quotaHeaders(slots, at),
          refusal: {
            kind: refusedBy.kind,
            bucket: refusedBy.bucket,
            limit: refusedBy.quota,
            retryAfter: Math.max(1, Math.ceil((refusedBy.end - at) / 1000)),
            reset: Math.ceil(refusedBy.end / 1000),
          },
          commit: () => NO_WARNINGS,
          release() {},
        }
      }

      const windows: number[] = []
      // The count each bucket reached with this token: what its warnings report.
      const reached: number[] = []
      for (const slot of slots) {
        windows.push(slot.window)
        reached.push(++slot.used)
      }
      let settled = false
      return {
        allowed: true,
        headers: quotaHeaders(slots, at),
        refusal: undefined,
        commit() {
          if (settled) return NO_WARNINGS
          settled = true
          let warnings: QuotaWarning[] | undefined
          slots.forEach((slot, i) => {
            if (slot.window !== windows[i]) return
            const count = reached[i] as number
            const thresholds =
              slot.kind === 'plan' ? PLAN_WARNING_THRESHOLDS : QUOTA_WARNING_THRESHOLDS
            for (const percentage of thresholds) {
              if (percentage <= slot.warned || count * 100 < percentage * slot.quota) continue
              slot.warned = percentage
              warnings ??= []
              warnings.push({
                kind: slot.kind,
                id: slot.id,
                bucket: slot.bucket,
                quota: slot.quota,
                percentage,
                consumption: count,
              })
            }
          })
          return warnings ?? NO_WARNINGS
        },
        release() {
          if (settled) return
          settled = true
          slots.forEach((slot, i) => {
            // A token taken in a window that has since ended is not given to the new one.
            if (slot.window === windows[i]) slot.used = Math.max(0, slot.used - 1)
          })
        },
      }
    },

    /**
     * Every bucket counted so far, with what is left of it now (a full quota
     * once its window has ended): for the `m2m.tenant.quota.remaining` gauge.
     */
    forEachBucket(
      visit: (kind: QuotaKind, id: string, bucket: QuotaBucket, remaining: number) => void,
    ): void {
      const at = now()
      const report = (counter: Counter) => {
        const live = counter.window === windowStart(counter.bucket, at)
        visit(
          counter.kind,
          counter.id,
          counter.bucket,
          live ? Math.max(0, counter.quota - counter.used) : counter.quota,
        )
      }
      for (const owners of [clients, organizations]) {
        for (const buckets of owners.values()) {
          if (buckets.per_hour) report(buckets.per_hour)
          if (buckets.per_day) report(buckets.per_day)
        }
      }
      if (plan) report(plan)
    },

    /** The plan's monthly allowance for the whole tenant (tokens); undefined without a plan. */
    monthlyAllowance: options.monthlyAllowance,

    /**
     * What one bucket has counted in its current window, without touching it.
     * `id` is the client's or organization's; the plan has one bucket
     * (`monthly`) for the tenant, so `id` is not looked at for it.
     */
    usage(kind: QuotaKind, id: string, bucket: QuotaBucket): QuotaUsage {
      const at = now()
      const start = windowStart(bucket, at)
      const found =
        kind === 'plan' ? plan : (kind === 'client' ? clients : organizations).get(id)?.[bucket]
      const live = found !== undefined && found.bucket === bucket && found.window === start
      return { used: live ? found.used : 0, resetsAt: windowEnd(bucket, start), at }
    },
  }
}

export type TokenQuota = ReturnType<typeof createTokenQuota>

/**
 * Auth0's quota headers: each a comma-separated list of buckets,
 * `b=<bucket>;q=<quota>;r=<remaining>;t=<seconds to reset>`, e.g.
 * `Auth0-Client-Quota-Limit: b=per_hour;q=10;r=7;t=3540,b=per_day;q=50;r=47;t=43200`.
 * The plan's allowance has no header (Auth0 sends none for it).
 */
function quotaHeaders(slots: readonly Counter[], at: number): Record<string, string> {
  let client = ''
  let organization = ''
  for (const slot of slots) {
    if (slot.kind === 'plan') continue
    const part = `b=${slot.bucket};q=${slot.quota};r=${Math.max(0, slot.quota - slot.used)};t=${Math.ceil((slot.end - at) / 1000)}`
    if (slot.kind === 'client') client = client ? `${client},${part}` : part
    else organization = organization ? `${organization},${part}` : part
  }
  if (!client && !organization) return NO_HEADERS
  const headers: Record<string, string> = {}
  if (client) headers[CLIENT_HEADER] = client
  if (organization) headers[ORGANIZATION_HEADER] = organization
  return headers
}

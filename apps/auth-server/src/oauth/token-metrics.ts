import {
  type Attributes,
  type MeterProvider,
  metrics,
  type ObservableResult,
} from '@opentelemetry/api'
import type { QuotaBucket } from './quota-windows.js'
import type { QuotaKind, TokenQuota } from './token-quota.js'

/** The instrumentation scope of the tenant's metrics. */
export const METER_NAME = '@m2m/auth-server'

export interface TokenMetricsOptions {
  /** Default: the global one (`metrics.getMeter`), which the service's SDK set-up registers. */
  meterProvider?: MeterProvider
  /** Whose buckets `m2m.tenant.quota.remaining` reports. */
  quota: Pick<TokenQuota, 'forEachBucket'>
  /** Attribute sets cached at most (each a client × API × outcome); beyond, made per call. */
  maxCachedAttributes?: number
}

export interface TokenMetrics {
  /** A token was issued to an authenticated client for one of the tenant's APIs. */
  issued(clientId: string, audience: string): void
  /**
   * An exchange was refused with OAuth `error`. `clientId` only once the client
   * authenticated, `audience` only when it is an API of this tenant: values a
   * caller makes up never become attributes (unbounded cardinality).
   */
  refused(clientId: string | undefined, audience: string | undefined, error: string): void
  /** Stops reporting the quota gauge (the app is closing). */
  close(): void
}

/**
 * The tenant's metrics through `@opentelemetry/api` only (the SDK and the
 * exporter are the service's business):
 *
 * - `m2m.tenant.tokens.issued` (counter): every answered client-credentials
 *   request, `client_id`, `audience`, `outcome` = `issued` | `refused`, and
 *   `error` (the OAuth error code) when refused;
 * - `m2m.tenant.quota.remaining` (observable gauge): tokens left in each quota
 *   bucket counted so far, `client_id` or `organization_id`, `bucket`
 *   (`per_hour` | `per_day` | `monthly`), `kind` (`client` | `organization` | `plan`).
 *
 * The token endpoint calls this on every answer, so attribute objects are
 * made once per client, API and outcome and reused: a call allocates nothing.
 */
export function createTokenMetrics(options: TokenMetricsOptions): TokenMetrics {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(METER_NAME)
  const tokens = meter.createCounter('m2m.tenant.tokens.issued', {
    description: 'Client-credentials token requests answered by the tenant, issued or refused',
    unit: '{token}',
  })
  const remaining = meter.createObservableGauge('m2m.tenant.quota.remaining', {
    description: 'Tokens left in each quota bucket (client, organization, plan) in its window',
    unit: '{token}',
  })

  // Nested maps, one level per key: a lookup builds no key string and no closure.
  const limit = options.maxCachedAttributes ?? 10_000
  let cached = 0
  type Tree = Map<string, Tree | Attributes>
  const issuedTree: Tree = new Map()
  const refusedTree: Tree = new Map()
  const gaugeTree: Tree = new Map()

  function find(root: Tree, a: string, b: string, c?: string): Attributes | undefined {
    const level = root.get(a) as Tree | undefined
    if (c === undefined) return level?.get(b) as Attributes | undefined
    return (level?.get(b) as Tree | undefined)?.get(c) as Attributes | undefined
  }

  /** Keeps `made` for next time while the cache has room. */
  function keep(root: Tree, made: Attributes, a: string, b: string, c?: string): Attributes {
    if (cached >= limit) return made
    cached++
    let level = root.get(a) as Tree | undefined
    if (!level) {
      level = new Map()
      root.set(a, level)
    }
    if (c === undefined) {
      level.set(b, made)
      return made
    }
    let leaf = level.get(b) as Tree | undefined
    if (!leaf) {
      leaf = new Map()
      level.set(b, leaf)
    }
    leaf.set(c, made)
    return made
  }

  function issuedAttributes(clientId: string, audience: string): Attributes {
    return (
      find(issuedTree, clientId, audience) ??
      keep(
        issuedTree,
        Object.freeze({ client_id: clientId, audience, outcome: 'issued' }),
        clientId,
        audience,
      )
    )
  }

  // '\0' starts no client id nor API identifier: it stands for "not known".
  function refusedAttributes(
    clientId: string | undefined,
    audience: string | undefined,
    error: string,
  ): Attributes {
    const a = clientId ?? '\0'
    const b = audience ?? '\0'
    const found = find(refusedTree, a, b, error)
    if (found) return found
    const made: Attributes = {}
    if (clientId !== undefined) made.client_id = clientId
    if (audience !== undefined) made.audience = audience
    made.outcome = 'refused'
    made.error = error
    return keep(refusedTree, Object.freeze(made), a, b, error)
  }

  function gaugeAttributes(kind: QuotaKind, id: string, bucket: QuotaBucket): Attributes {
    const found = find(gaugeTree, kind, id, bucket)
    if (found) return found
    const made: Attributes = {}
    if (kind === 'client') made.client_id = id
    if (kind === 'organization') made.organization_id = id
    made.bucket = bucket
    made.kind = kind
    return keep(gaugeTree, Object.freeze(made), kind, id, bucket)
  }

  const observe = (result: ObservableResult) => {
    options.quota.forEachBucket((kind, id, bucket, left) => {
      result.observe(left, gaugeAttributes(kind, id, bucket))
    })
  }
  remaining.addCallback(observe)

  return {
    issued(clientId, audience) {
      tokens.add(1, issuedAttributes(clientId, audience))
    },
    refused(clientId, audience, error) {
      tokens.add(1, refusedAttributes(clientId, audience, error))
    },
    close() {
      remaining.removeCallback(observe)
    },
  }
}

import type { AccessTokenSource, TypedAccessToken } from '@m2m/auth/token'

/** Whether this service can get a token for world-mappers right now. */
export type TokenAvailability = 'unknown' | 'available' | 'unavailable'

export interface TokenAvailabilityOptions {
  /** First pause between probes while no token can be had. Default 2,000. */
  probeIntervalMs?: number
  /** Largest pause between probes (doubling from `probeIntervalMs`). Default 30,000. */
  maxProbeIntervalMs?: number
  logger?: {
    info(object: object, message: string): void
    warn(object: object, message: string): void
  }
}

export interface TrackedTokenSource extends AccessTokenSource {
  /** The outcome of the latest `getToken()`, ours or a caller's. */
  availability(): TokenAvailability
  /** Fetches a token now and, while none can be had, again with backoff (timers never hold the process). */
  start(): void
  stop(): void
}

/**
 * Wraps the world-mappers token source to know whether tokens can be had:
 * `/readyz` and `/metrics` report it. The token endpoint being down does not
 * make the service unready (deliveries are still accepted, as pending), so
 * this is a detail for operators, not a load balancer's signal.
 *
 * Started, it fetches a token at once (the first delivery then finds one
 * cached) and keeps probing while none can be had, so the state recovers
 * with no traffic. Probes go through the provider, whose single flight and
 * cooldowns keep them from adding load on a struggling tenant.
 */
export function trackTokenAvailability(
  source: AccessTokenSource,
  options: TokenAvailabilityOptions = {},
): TrackedTokenSource {
  const firstInterval = options.probeIntervalMs ?? 2_000
  const maxInterval = options.maxProbeIntervalMs ?? 30_000
  let state: TokenAvailability = 'unknown'
  let running = false
  let timer: NodeJS.Timeout | undefined
  let interval = firstInterval

  function record(next: 'available' | 'unavailable', error?: unknown) {
    if (next === state) return
    const before = state
    state = next
    if (next === 'available') {
      interval = firstInterval
      if (before === 'unavailable') options.logger?.info({}, 'world-mappers tokens available again')
    } else {
      const code = (error as { code?: unknown } | null)?.code
      options.logger?.warn(
        { code: typeof code === 'string' ? code : undefined },
        'no token for world-mappers: deliveries stay pending until the token endpoint answers',
      )
      scheduleProbe()
    }
  }

  async function tracked<T>(get: () => Promise<T>): Promise<T> {
    try {
      const token = await get()
      record('available')
      return token
    } catch (error) {
      record('unavailable', error)
      throw error
    }
  }
  const getToken = () => tracked(() => source.getToken())
  // A DPoP source's token type and key pass through, so calls carry their proofs.
  const getAccessToken = source.getAccessToken
    ? () => tracked(() => (source.getAccessToken as () => Promise<TypedAccessToken>)())
    : undefined

  function scheduleProbe() {
    if (!running || timer) return
    timer = setTimeout(probe, interval)
    timer.unref()
    interval = Math.min(maxInterval, interval * 2)
  }

  function probe() {
    timer = undefined
    if (!running || state === 'available') return
    getToken().then(
      () => {},
      () => scheduleProbe(),
    )
  }

  return {
    getToken,
    ...(getAccessToken ? { getAccessToken } : {}),
    ...(source.dpopKey ? { dpopKey: source.dpopKey } : {}),
    invalidate: (token) => source.invalidate(token),
    availability: () => state,
    start() {
      if (running) return
      running = true
      getToken().catch(() => {})
    },
    stop() {
      running = false
      clearTimeout(timer)
      timer = undefined
    },
  }
}

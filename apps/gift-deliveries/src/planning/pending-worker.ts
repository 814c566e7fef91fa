import type { Delivery, DeliveryRequest, DeliveryRoute } from '../deliveries/model.js'
import {
  DestinationNotFoundError,
  publicReason,
  UpstreamRejectedError,
  UpstreamUnavailableError,
} from './errors.js'

/**
 * The part of `DeliveryStore` the worker uses. Declared here so the worker
 * depends on these four operations only; leases, attempt counts and
 * persistence across restarts are the store's.
 */
export type PendingDeliveryStore = {
  /**
   * Up to `limit` pending deliveries whose `nextAttemptAt` has passed, each
   * leased for `leaseMs` (no other claim returns it meanwhile; a worker that
   * dies mid-plan loses its lease and the delivery is claimed again).
   */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]>
  /** The outcome is recorded only while `claim` still holds the delivery (its lease not taken over). */
  markPlanned(id: string, route: DeliveryRoute, claim?: string): Promise<Delivery>
  markFailed(id: string, reason: string, claim?: string): Promise<Delivery>
  recordAttemptFailure(
    id: string,
    error: string,
    nextAttemptAt: Date,
    claim?: string,
  ): Promise<Delivery>
}

/** A claimed delivery; `claim` identifies the claim to the store when the outcome is recorded. */
export type ClaimedDelivery = Delivery & { claim?: string }

export interface DeliveryPlanner {
  plan(request: DeliveryRequest): Promise<DeliveryRoute>
}

/** The logger shape the worker needs (pino's). */
export interface WorkerLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

export interface PendingWorkerOptions {
  store: PendingDeliveryStore
  planner: DeliveryPlanner
  /** Pause between ticks when the last batch was not full. Default 1,000. */
  intervalMs?: number
  /** How long a claimed delivery is kept from other workers. Default 30,000. */
  leaseMs?: number
  /** Deliveries claimed per tick, planned concurrently. Default 10. */
  batchSize?: number
  /** Delay before the `attempts`-th retry (1-based). Default {@link createBackoff}`()`. */
  backoff?: (attempts: number) => number
  logger?: WorkerLogger
  /** Clock for `nextAttemptAt`. Default `Date.now`. */
  now?: () => number
}

export interface PendingWorker {
  /** Starts ticking (idempotent). The timer does not keep the process alive. */
  start(): void
  /** Stops ticking and resolves once the batch in flight, if any, is settled. */
  stop(): Promise<void>
  /** One tick now, after any tick in flight; resolves with how many were planned. */
  runOnce(): Promise<number>
}

export interface BackoffOptions {
  /** Ceiling of the first retry. Default 1,000. */
  baseMs?: number
  /** Largest ceiling. Default 300,000 (5 min). */
  capMs?: number
  /** Uniform in [0, 1). Default `Math.random`. */
  random?: () => number
}

/**
 * Exponential backoff with full jitter: the delay of the `attempts`-th retry
 * is uniform in [0, min(cap, base × 2^(attempts−1))). Full jitter spreads the
 * retries of deliveries that failed together (world-mappers went down) so
 * they do not come back as one burst.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function createBackoff(options: BackoffOptions = {}): (attempts: number) => number {
  const baseMs = options.baseMs ?? 1_000
  const capMs = options.capMs ?? 300_000
  const random = options.random ?? Math.random
  return (attempts) => {
    // 2^n overflows to Infinity long after the cap applies; min() keeps it finite.
    const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1))
    return Math.floor(random() * ceiling)
  }
}

/** The claim to hand back to the store, when the store gave one. */
function claimOf(delivery: ClaimedDelivery): [] | [string] {
  return delivery.claim === undefined ? [] : [delivery.claim]
}

const silentLogger: WorkerLogger = { info() {}, warn() {}, error() {} }

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number, got ${value}`)
  }
  return value
}

/**
 * Plans pending deliveries in the background: each tick claims a batch of due
 * deliveries from the store and plans them. A place that does not exist
 * fails the delivery for good; any other failure schedules the next attempt
 * with backoff. All state is in the store, so a restarted worker carries on
 * where the last one stopped.
 */
export function createPendingWorker(options: PendingWorkerOptions): PendingWorker {
  const { store, planner } = options
  const intervalMs = positive('intervalMs', options.intervalMs ?? 1_000)
  const leaseMs = positive('leaseMs', options.leaseMs ?? 30_000)
  const batchSize = positive('batchSize', options.batchSize ?? 10)
  const backoff = options.backoff ?? createBackoff()
  const logger = options.logger ?? silentLogger
  const now = options.now ?? Date.now

  let running = false
  // True from start() until the loop notices it was stopped: a second start() in between
  // must not begin a second loop.
  let looping = false
  let timer: NodeJS.Timeout | undefined
  let lastBatchFull = false
  // Ticks run one after another: a tick started while one is in flight waits for it.
  let tail: Promise<unknown> = Promise.resolve()

  async function planOne(delivery: ClaimedDelivery): Promise<boolean> {
    let route: DeliveryRoute
    try {
      route = await planner.plan(delivery.request)
    } catch (error) {
      await recordFailure(delivery, error)
      return false
    }
    const recorded = await store.markPlanned(delivery.id, route, ...claimOf(delivery))
    if (recorded.status !== 'planned') {
      // Our lease ran out and another worker holds the delivery now: its outcome counts.
      logger.warn({ deliveryId: delivery.id }, 'plan dropped: the claim was taken over')
      return false
    }
    logger.info({ deliveryId: delivery.id, attempts: delivery.attempts + 1 }, 'delivery planned')
    return true
  }

  async function recordFailure(delivery: ClaimedDelivery, error: unknown) {
    const message = error instanceof Error ? error.message : String(error)
    const code = (error as { code?: unknown } | null)?.code
    const context = { deliveryId: delivery.id, code, attempts: delivery.attempts + 1 }
    if (error instanceof DestinationNotFoundError) {
      await store.markFailed(delivery.id, message, ...claimOf(delivery))
      logger.info(context, 'delivery failed: place not found')
      return
    }
    const attempts = delivery.attempts + 1
    const retryAfterMs = error instanceof UpstreamUnavailableError ? error.retryAfterMs : undefined
    const delay = Math.max(backoff(attempts), retryAfterMs ?? 0)
    const nextAttemptAt = new Date(now() + delay)
    // The row keeps a reason fit for API callers; the detail goes to the log.
    await store.recordAttemptFailure(
      delivery.id,
      publicReason(error),
      nextAttemptAt,
      ...claimOf(delivery),
    )
    const retry = { ...context, nextAttemptAt: nextAttemptAt.toISOString(), err: message }
    if (error instanceof UpstreamUnavailableError) {
      logger.warn(retry, 'planning deferred: upstream unavailable')
    } else if (error instanceof UpstreamRejectedError) {
      // Our credentials or grant are wrong: every delivery will wait until someone fixes it.
      logger.error(retry, 'planning deferred: world-mappers or the tenant REJECTS our credentials')
    } else {
      logger.error(retry, 'planning deferred: unexpected error')
    }
  }

  async function tick(): Promise<number> {
    const due = await store.claimDue(batchSize, leaseMs)
    const results = await Promise.allSettled(due.map(planOne))
    let planned = 0
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') {
        if (result.value) planned++
        return
      }
      // The store failed to record the outcome: the lease runs out and the delivery is claimed again.
      logger.error(
        { deliveryId: due[index]?.id, err: String(result.reason) },
        'could not record a planning outcome',
      )
    })
    lastBatchFull = due.length >= batchSize
    return planned
  }

  function runOnce(): Promise<number> {
    const next = tail.then(tick)
    tail = next.catch(() => {})
    return next
  }

  function schedule(delayMs: number) {
    if (!running) {
      looping = false
      return
    }
    timer = setTimeout(loop, delayMs)
    timer.unref()
  }

  async function loop() {
    timer = undefined
    lastBatchFull = false
    try {
      await runOnce()
    } catch (error) {
      logger.error({ err: String(error) }, 'pending deliveries could not be claimed')
    }
    // A full batch means more are due: carry on at once rather than after the interval.
    schedule(lastBatchFull ? 0 : intervalMs)
  }

  return Object.freeze({
    start() {
      running = true
      if (looping) return
      looping = true
      schedule(0)
    },
    async stop() {
      running = false
      if (timer) {
        clearTimeout(timer)
        timer = undefined
        looping = false
      }
      await tail
    },
    runOnce,
  })
}

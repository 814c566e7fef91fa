import { createBackoff } from '../deliveries/backoff.js'
import {
  type OutcomeOptions,
  type Planner,
  type PlanningLogger,
  planClaimed,
} from '../deliveries/plan-delivery.js'
import type { DeliveryStore } from '../store/delivery-store.js'

export { type BackoffOptions, createBackoff } from '../deliveries/backoff.js'
export type { ClaimedDelivery } from '../store/delivery-store.js'

/**
 * The part of `DeliveryStore` the worker uses: claiming due deliveries
 * (leased, so a worker that dies mid-plan loses them to the next claim) and
 * recording outcomes under that claim.
 */
export type PendingDeliveryStore = Pick<
  DeliveryStore,
  'claimDue' | 'markPlanned' | 'markFailed' | 'recordAttemptFailure'
>

/** The logger shape the worker needs (pino's). */
export type WorkerLogger = PlanningLogger

export interface PendingWorkerOptions {
  store: PendingDeliveryStore
  planner: Planner
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

const silentLogger: WorkerLogger = { info() {}, warn() {}, error() {} }

function positive(value: number, name: string): number {
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
  const intervalMs = positive(options.intervalMs ?? 1_000, 'intervalMs')
  const leaseMs = positive(options.leaseMs ?? 30_000, 'leaseMs')
  const batchSize = positive(options.batchSize ?? 10, 'batchSize')
  const logger = options.logger ?? silentLogger
  const outcome: OutcomeOptions & { planner: Planner } = {
    store,
    planner,
    backoff: options.backoff ?? createBackoff(),
    now: options.now ?? Date.now,
    logger,
  }

  let running = false
  // True from start() until the loop notices it was stopped: a second start() in between
  // must not begin a second loop.
  let looping = false
  let timer: NodeJS.Timeout | undefined
  let lastBatchFull = false
  // Ticks run one after another: a tick started while one is in flight waits for it.
  let tail: Promise<unknown> = Promise.resolve()

  async function tick(): Promise<number> {
    const due = await store.claimDue(batchSize, leaseMs)
    const results = await Promise.allSettled(due.map((delivery) => planClaimed(outcome, delivery)))
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

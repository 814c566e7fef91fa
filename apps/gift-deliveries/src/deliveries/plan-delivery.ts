import {
  DestinationNotFoundError,
  UpstreamRejectedError,
  UpstreamUnavailableError,
} from '../errors.js'
import type { ClaimedDelivery, DeliveryStore } from '../store/delivery-store.js'
import { createBackoff } from './backoff.js'
import type { Delivery, DeliveryRequest, DeliveryRoute } from './model.js'

/**
 * The one home of planning: how a delivery gets its route and what each
 * outcome does to it. `POST /deliveries` calls `submit`, the pending worker
 * calls `planClaimed`; both record outcomes through `recordPlan`, so a place
 * that does not exist, an upstream that is down and our own credentials being
 * refused mean the same thing wherever the plan ran.
 */

/** Plans a delivery (world-mappers' directions, in the service). */
export interface Planner {
  plan(request: DeliveryRequest): Promise<DeliveryRoute>
}

/** The logger shape planning needs (pino's). */
export interface PlanningLogger {
  info(object: object, message: string): void
  warn(object: object, message: string): void
  error(object: object, message: string): void
}

/** The store operations that record a plan's outcome. */
export type OutcomeStore = Pick<
  DeliveryStore,
  'markPlanned' | 'markFailed' | 'recordAttemptFailure'
>

export interface OutcomeOptions {
  store: OutcomeStore
  /** Delay before the `attempts`-th retry (1-based). Default {@link createBackoff}`()`. */
  backoff: (attempts: number) => number
  /** Clock for `nextAttemptAt`. */
  now: () => number
  logger: PlanningLogger
}

const silentLogger: PlanningLogger = { info() {}, warn() {}, error() {} }

/** The claim to hand back to the store, when the delivery carries one. */
function claimOf(delivery: ClaimedDelivery | (Delivery & { claim?: string })): [] | [string] {
  return delivery.claim === undefined ? [] : [delivery.claim]
}

/** When a failed attempt is tried again: backoff, or later if the upstream asked for more. */
function nextAttemptAt(options: OutcomeOptions, attempts: number, error: unknown): Date {
  const retryAfterMs = error instanceof UpstreamUnavailableError ? error.retryAfterMs : undefined
  return new Date(options.now() + Math.max(options.backoff(attempts), retryAfterMs ?? 0))
}

/**
 * Waits for `planning` and records its outcome for `delivery`, under the delivery's claim
 * when it has one (a claim taken over meanwhile records nothing: the new holder's outcome
 * counts). Resolves with the row as recorded; rejects only when the store fails.
 */
export async function recordPlan(
  options: OutcomeOptions,
  delivery: Delivery & { claim?: string },
  planning: Promise<DeliveryRoute>,
): Promise<Delivery> {
  const { store, logger } = options
  const attempts = delivery.attempts + 1
  const context = { deliveryId: delivery.id, attempts }
  let route: DeliveryRoute
  try {
    route = await planning
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    if (error instanceof DestinationNotFoundError) {
      const failed = await store.markFailed(delivery.id, error.message, ...claimOf(delivery))
      logger.info({ ...context, code }, 'delivery failed: place not found')
      return failed
    }
    const at = nextAttemptAt(options, attempts, error)
    // The row keeps a reason fit for API callers; the detail goes to the log.
    const recorded = await store.recordAttemptFailure(
      delivery.id,
      publicReason(error),
      at,
      ...claimOf(delivery),
    )
    logDeferred(logger, { ...context, code }, error, at)
    return recorded
  }
  const recorded = await store.markPlanned(delivery.id, route, ...claimOf(delivery))
  if (recorded.status === 'planned') {
    logger.info(context, 'delivery planned')
  } else {
    // The claim lapsed and another worker holds the delivery now: its outcome counts.
    logger.warn({ deliveryId: delivery.id }, 'plan dropped: the claim was taken over')
  }
  return recorded
}

/** Says why a plan is deferred: a warning while an upstream is down, an error otherwise. */
function logDeferred(logger: PlanningLogger, context: object, error: unknown, at: Date) {
  const retry = {
    ...context,
    nextAttemptAt: at.toISOString(),
    err: error instanceof Error ? error.message : String(error),
  }
  if (error instanceof UpstreamUnavailableError) {
    logger.warn(retry, 'planning deferred: upstream unavailable')
  } else if (error instanceof UpstreamRejectedError) {
    // Our credentials or grant are wrong: every delivery will wait until someone fixes it.
    logger.error(retry, 'planning deferred: world-mappers or the tenant REJECTS our credentials')
  } else {
    logger.error(retry, 'planning deferred: unexpected error')
  }
}

/** `planner.plan(request)`, with a synchronous throw turned into a rejection. */
function plan(planner: Planner, request: DeliveryRequest): Promise<DeliveryRoute> {
  try {
    return planner.plan(request)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** Plans a delivery the worker claimed and records the outcome; whether this plan was recorded. */
export async function planClaimed(
  options: OutcomeOptions & { planner: Planner },
  delivery: ClaimedDelivery,
): Promise<boolean> {
  const recorded = await recordPlan(options, delivery, plan(options.planner, delivery.request))
  return recorded.status === 'planned'
}

export interface SubmitInput {
  request: DeliveryRequest
  /** The client (`azp`) creating it. */
  clientId: string
  idempotency?: { key: string; requestHash: string }
}

export interface Submitted {
  /** As stored: `planned`, `pending` (the worker plans it) or `failed` (kept for a replay). */
  delivery: Delivery
  /** An earlier request with the same Idempotency-Key created it. */
  replayed: boolean
}

export interface DeliveryPlanningOptions {
  store: OutcomeStore & Pick<DeliveryStore, 'createPending' | 'createPlanned'>
  planner: Planner
  /** How long `submit` waits for the plan before answering with a pending delivery. */
  planTimeoutMs: number
  /** How long a delivery planned by its request is claimed by it (kept from the worker). */
  inlineLeaseMs: number
  /** Plans run by requests at once; past this a new delivery is stored pending for the worker. */
  maxInlinePlans: number
  backoff?: (attempts: number) => number
  now?: () => number
  logger?: PlanningLogger
}

export interface DeliveryPlanning {
  /**
   * Stores and plans a new delivery, waiting up to `planTimeoutMs` for the plan.
   * @throws DestinationNotFoundError a place is unknown and nothing was stored
   */
  submit(input: SubmitInput, logger?: PlanningLogger): Promise<Submitted>
  /** Resolves once every plan that outlived its request has recorded its outcome. */
  drain(): Promise<void>
}

/**
 * Planning for requests. A delivery without an Idempotency-Key is planned
 * first and written once, planned (one INSERT: nothing can replay it, so
 * nothing needs to be visible while it is planned). With a key it is stored
 * first, pending and claimed by the request, so a retry of the same key
 * finds it and no second plan starts. A plan that outlives `planTimeoutMs`
 * leaves the delivery pending under the request's claim and records its
 * outcome when it ends; the worker takes it only if that claim lapses.
 */
export function createDeliveryPlanning(options: DeliveryPlanningOptions): DeliveryPlanning {
  const { store, planner, planTimeoutMs, inlineLeaseMs, maxInlinePlans } = options
  const backoff = options.backoff ?? createBackoff()
  const now = options.now ?? Date.now
  const serviceLogger = options.logger ?? silentLogger
  // Plans under way (awaited on shutdown, bounded by maxInlinePlans).
  const inflight = new Set<Promise<unknown>>()

  function track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.then(
      () => {},
      () => {},
    )
    inflight.add(settled)
    void settled.finally(() => inflight.delete(settled))
    return promise
  }

  async function submitKeyed(input: SubmitInput, outcome: OutcomeOptions): Promise<Submitted> {
    const { delivery, created } = await store.createPending({
      ...input,
      claimLeaseMs: inlineLeaseMs,
    })
    if (!created) return { delivery, replayed: true }
    const recorded = track(recordPlan(outcome, delivery, plan(planner, input.request)))
    // Stored and claimed: if the outcome cannot be recorded, the worker plans it once the
    // claim lapses, and the caller is told it is pending.
    const answered = recorded.catch((error: unknown) => {
      outcome.logger.error({ deliveryId: delivery.id, err: error }, 'could not record the plan')
      return undefined
    })
    return { delivery: (await within(answered, planTimeoutMs)) ?? delivery, replayed: false }
  }

  async function submitUnkeyed(input: SubmitInput, outcome: OutcomeOptions): Promise<Submitted> {
    const planning = track(plan(planner, input.request))
    const settled = await within(
      planning.then(
        (route) => ({ route }),
        (error: unknown) => ({ error }),
      ),
      planTimeoutMs,
    )
    const { request, clientId } = input
    if (settled === undefined) {
      // Still planning: stored pending under our claim; the plan records its outcome.
      const { delivery } = await store.createPending({
        request,
        clientId,
        claimLeaseMs: inlineLeaseMs,
      })
      track(recordPlan(outcome, delivery, planning)).catch((error: unknown) =>
        outcome.logger.error({ deliveryId: delivery.id, err: error }, 'could not record the plan'),
      )
      return { delivery, replayed: false }
    }
    if ('route' in settled) {
      return {
        delivery: await store.createPlanned({ request, clientId, route: settled.route }),
        replayed: false,
      }
    }
    // The caller's mistake, and no one has seen a row: nothing is stored.
    if (settled.error instanceof DestinationNotFoundError) throw settled.error
    const at = nextAttemptAt(outcome, 1, settled.error)
    const { delivery } = await store.createPending({
      request,
      clientId,
      failedAttempt: { error: publicReason(settled.error), nextAttemptAt: at },
    })
    const code = (settled.error as { code?: unknown } | null)?.code
    logDeferred(outcome.logger, { deliveryId: delivery.id, attempts: 1, code }, settled.error, at)
    return { delivery, replayed: false }
  }

  return Object.freeze({
    async submit(input: SubmitInput, logger: PlanningLogger = serviceLogger) {
      const outcome: OutcomeOptions = { store, backoff, now, logger }
      if (inflight.size >= maxInlinePlans) {
        // Slow upstreams must not pile up plans (sockets, timers, memory) here: beyond
        // the bound the delivery is stored pending, due now, for the worker's batches.
        const { delivery, created } = await store.createPending(input)
        return { delivery, replayed: !created }
      }
      return input.idempotency ? submitKeyed(input, outcome) : submitUnkeyed(input, outcome)
    },
    async drain() {
      while (inflight.size > 0) await Promise.allSettled([...inflight])
    },
  })
}

/** `promise`'s value, or undefined once `ms` have passed first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** What a caller may read about a failed attempt: the kind of failure, not hosts or ports. */
export function publicReason(error: unknown): string {
  if (error instanceof UpstreamUnavailableError)
    return 'World Mappers or the token endpoint is unavailable; planning will be retried'
  if (error instanceof UpstreamRejectedError)
    return 'World Mappers refused this service; planning will be retried once it is fixed'
  return 'Planning failed; it will be retried'
}

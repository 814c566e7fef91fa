import type {
  Delivery,
  DeliveryRequest,
  DeliveryRoute,
  DeliveryStatus,
  DeliverySummary,
} from '../deliveries/model.js'

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'planned', 'failed']
export const MAX_LIST_LIMIT = 100

export interface CreatePendingInput {
  request: DeliveryRequest
  /** The client (`azp`) creating it; idempotency keys are scoped to it. */
  clientId: string
  idempotency?: { key: string; requestHash: string }
  /** The worker leaves it alone until then. Default: due now. */
  notBefore?: Date
  /**
   * The creator plans it: the row is claimed for this long (the returned delivery carries the
   * `claim`), so no worker takes it meanwhile and only that claim records the outcome.
   */
  claimLeaseMs?: number
  /** It was tried already and failed for a reason that may pass: counted as attempt 1. */
  failedAttempt?: { error: string; nextAttemptAt: Date }
}

/** A delivery planned before it was stored: one insert, no idempotency key. */
export interface CreatePlannedInput {
  request: DeliveryRequest
  clientId: string
  route: DeliveryRoute
}

export interface ListQuery {
  /** Only this client's deliveries. */
  clientId?: string
  status?: DeliveryStatus
  /** 1..100. */
  limit: number
  cursor?: string
  /** Whole deliveries with their routes, instead of summaries. */
  include?: 'route'
}

/** One page of a list: `nextCursor` is null on the last page. */
export interface DeliveryPage<T> {
  items: T[]
  nextCursor: string | null
}

/** A page whose items are already JSON text (a JSON array), ready to send. */
export interface DeliveryJsonPage {
  items: string
  nextCursor: string | null
}

/** A delivery taken by `claimDue`: `claim` names this claim, and only it may record the outcome. */
export type ClaimedDelivery = Delivery & { claim: string }

/** Where deliveries live. One implementation, over PGlite or a PostgreSQL server. */
export interface DeliveryStore {
  /**
   * Inserts a pending delivery. With an idempotency key (scoped per clientId), the same key and
   * requestHash return the existing delivery with `created: false`; the same key with another
   * requestHash throws IdempotencyConflictError. Atomic under concurrency (a unique constraint).
   */
  createPending(
    input: CreatePendingInput,
  ): Promise<{ delivery: Delivery & { claim?: string }; created: boolean }>
  /** Inserts a delivery planned already (status `planned`, with its route). */
  createPlanned(input: CreatePlannedInput): Promise<Delivery>
  /**
   * pending → planned with the route; a no-op returning the current row when not pending.
   * With `claim` (from `claimDue`), also a no-op unless that claim still holds the delivery.
   */
  markPlanned(id: string, route: DeliveryRoute, claim?: string): Promise<Delivery>
  /** pending → failed for good; a no-op returning the current row when not pending (or not `claim`'s). */
  markFailed(id: string, reason: string, claim?: string): Promise<Delivery>
  /**
   * A failed attempt: attempts + 1, lastError, nextAttemptAt; releases the claim. Pending only,
   * and with `claim` only while that claim holds it.
   */
  recordAttemptFailure(
    id: string,
    error: string,
    nextAttemptAt: Date,
    claim?: string,
  ): Promise<Delivery>
  /**
   * Claims up to `limit` due pending deliveries for `leaseMs`, oldest first. Rows are locked with
   * FOR UPDATE SKIP LOCKED, so concurrent claimers (replicas) never get the same row; a claim
   * that is not released comes back once its lease ends, under a new `claim`.
   */
  claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]>
  get(id: string): Promise<Delivery | undefined>
  /** `clientId`'s delivery as JSON text (`Delivery`); undefined when no such delivery is theirs. */
  getJson(id: string, clientId: string): Promise<string | undefined>
  /**
   * Creation order, by pages (keyset on the creation sequence): summaries, or whole deliveries
   * with `include: 'route'`. Paging to the end lists every row that existed when the first
   * page was read exactly once, whatever is inserted meanwhile.
   */
  list(query: ListQuery & { include: 'route' }): Promise<DeliveryPage<Delivery>>
  list(query: ListQuery): Promise<DeliveryPage<DeliverySummary>>
  /** `list` as JSON text, for answering without parsing and serializing again. */
  listJson(query: ListQuery): Promise<DeliveryJsonPage>
  countByStatus(): Promise<Record<DeliveryStatus, number>>
  /** One cheap round trip, for readiness. */
  ping(): Promise<void>
  close(): Promise<void>
}

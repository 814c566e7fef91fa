/**
 * Base class of the store's errors: a stable `code` (never reused for another
 * meaning) and the HTTP `statusCode` a route should answer with.
 */
export class DeliveryStoreError extends Error {
  readonly code: string
  readonly statusCode: number

  constructor(code: string, statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DeliveryStoreError'
    this.code = code
    this.statusCode = statusCode
  }
}

/** The idempotency key was used before by this client for another request body. */
export class IdempotencyConflictError extends DeliveryStoreError {
  constructor(key: string) {
    super(
      'DELIVERY_ERR_IDEMPOTENCY_CONFLICT',
      422,
      `Idempotency-Key "${key}" was already used with a different request`,
    )
  }
}

/** A list cursor that this store did not hand out. */
export class InvalidCursorError extends DeliveryStoreError {
  constructor(options?: { cause?: unknown }) {
    super('DELIVERY_ERR_INVALID_CURSOR', 400, 'The cursor is not valid', options)
  }
}

/** A list limit outside 1..100, or an unknown status. */
export class InvalidListQueryError extends DeliveryStoreError {
  constructor(detail: string) {
    super('DELIVERY_ERR_INVALID_QUERY', 400, `Invalid list query: ${detail}`)
  }
}

/** No delivery has this id. */
export class DeliveryNotFoundError extends DeliveryStoreError {
  constructor(id: string) {
    super('DELIVERY_ERR_NOT_FOUND', 404, `No delivery has id ${id}`)
  }
}

export { batchPerTurn } from './batch-per-turn.js'
export { deferredChildLoggerFactory, withDeferredChildren } from './deferred-child-logger.js'
export * from './errors.js'
export {
  createServiceLogger,
  credentialRedactPaths,
  requestLogSerializer,
  type ServiceLoggerOptions,
} from './redaction.js'
export { fullJitterDelay, parseRetryAfter } from './retry.js'
export * from './scopes.js'

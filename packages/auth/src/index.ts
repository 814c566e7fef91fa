export * from './errors.js'
export {
  createServiceLogger,
  credentialRedactPaths,
  requestLogSerializer,
  type ServiceLoggerOptions,
} from './redaction.js'
export * from './scopes.js'

export * from './errors.js'
export { credentialRedactPaths, requestLogSerializer } from './redaction.js'
export * from './scopes.js'

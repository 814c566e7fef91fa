export * from './errors.js'
export { credentialRedactPaths } from './redaction.js'
export * from './scopes.js'

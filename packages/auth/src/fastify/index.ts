export {
  type AuthRefusal,
  NO_CREDENTIALS_DESCRIPTION,
  UNAVAILABLE_DESCRIPTION,
} from './auth-answers.js'
export type {
  M2mAuthBaseOptions,
  M2mAuthOptions,
  M2mAuthVerifierConfigOptions,
  M2mAuthVerifierInstanceOptions,
} from './options.js'
export { default, m2mAuth } from './plugin.js'
export type { RequestAuth } from './request-auth.js'
export type { RouteScopes, ScopeRule } from './route-scopes.js'

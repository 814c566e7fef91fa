export {
  type AuthRefusal,
  DPOP_REQUIRED_DESCRIPTION,
  NO_CREDENTIALS_DESCRIPTION,
  UNAVAILABLE_DESCRIPTION,
} from './auth-answers.js'
export type {
  DpopMode,
  M2mAuthBaseOptions,
  M2mAuthDpopNonceOptions,
  M2mAuthDpopOptions,
  M2mAuthOptions,
  M2mAuthVerifierConfigOptions,
  M2mAuthVerifierInstanceOptions,
} from './options.js'
export { default, m2mAuth } from './plugin.js'
export type { RequestAuth } from './request-auth.js'
export { routeConfig } from './route-config.js'
export type { RouteScopes, ScopeRule } from './route-scopes.js'

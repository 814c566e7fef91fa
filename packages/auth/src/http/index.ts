export { UnusableAccessTokenError } from '../errors.js'
export { type BearerInterceptorOptions, createBearerInterceptor } from './bearer-interceptor.js'
export { type AuthChallenge, bearerError, parseChallenges } from './www-authenticate.js'

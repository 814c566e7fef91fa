export {
  type BearerInterceptorOptions,
  createBearerInterceptor,
  UnusableAccessTokenError,
} from './bearer-interceptor.js'
export { type AuthChallenge, bearerError, parseChallenges } from './www-authenticate.js'

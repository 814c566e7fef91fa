import type { AuthRefusal } from '@m2m/auth/fastify'
import { ManagementError } from '../errors.js'

/**
 * The Management API's authentication refusals in Auth0's shape
 * (`{statusCode, error, message, errorCode}`), for `@m2m/auth/fastify`'s
 * `formatBody`: "Missing authentication" and "Invalid token" (401), and
 * "Insufficient scope, expected any of: a,b" (403), Auth0's wording. The
 * `WWW-Authenticate` challenge stays.
 */
export function auth0ManagementRefusal(refusal: AuthRefusal) {
  switch (refusal.error) {
    case 'unauthorized':
      return bodyOf(401, 'unauthorized', 'Missing authentication')
    case 'invalid_token':
      return bodyOf(401, 'invalid_token', 'Invalid token')
    case 'insufficient_scope': {
      const scopes = refusal.rule?.scopes.join(',') ?? ''
      // One scope needed is "any of" one; every Management API route with several asks any.
      const all = refusal.rule?.match === 'all' && refusal.rule.scopes.length > 1
      const which = all ? 'all of' : 'any of'
      return bodyOf(403, 'insufficient_scope', `Insufficient scope, expected ${which}: ${scopes}`)
    }
    default:
      return bodyOf(refusal.statusCode, refusal.error, refusal.error_description)
  }
}

function bodyOf(statusCode: number, errorCode: string, message: string) {
  return new ManagementError(statusCode, errorCode, message).toBody()
}

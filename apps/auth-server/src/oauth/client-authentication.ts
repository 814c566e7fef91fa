import { assertionSubject, CLIENT_ASSERTION_TYPE } from './client-assertion.js'
import { auth0Errors } from './oauth-error.js'

export interface PresentedSecret {
  method: 'client_secret_post' | 'client_secret_basic'
  clientId: string
  clientSecret: string | undefined
}

export interface PresentedAssertion {
  method: 'private_key_jwt'
  /** The request's `client_id`, else the assertion's unverified `sub`: who it claims to be. */
  clientId: string | undefined
  /** The request's `client_id` only (it must then match the assertion). */
  requestedClientId: string | undefined
  assertion: string
}

export type PresentedCredentials = PresentedSecret | PresentedAssertion

/**
 * Reads the client's credentials: an HTTP Basic header (`client_secret_basic`,
 * RFC 6749 §2.3.1: both parts form-urlencoded), the body (`client_secret_post`),
 * or a JWT assertion (`private_key_jwt`, RFC 7521 §4.2: `client_assertion_type`
 * and `client_assertion`, the `client_id` optional). Using two methods is
 * refused (RFC 6749 §2.3).
 */
export function readClientCredentials(
  authorization: string | undefined,
  body: Record<string, string | undefined>,
): PresentedCredentials {
  const basic = authorization !== undefined && /^basic\s/i.test(authorization)
  if (body.client_assertion !== undefined || body.client_assertion_type !== undefined) {
    if (basic || body.client_secret !== undefined) throw auth0Errors.secretAndAssertion()
    return readAssertion(body)
  }
  if (basic) {
    if (body.client_secret !== undefined) throw auth0Errors.multipleAuthMethods()
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 1)
      throw auth0Errors.invalidParameter('authorization', 'malformed Basic credentials')
    const clientId = formDecode(decoded.slice(0, colon))
    const clientSecret = formDecode(decoded.slice(colon + 1))
    if (body.client_id !== undefined && body.client_id !== clientId) {
      throw auth0Errors.invalidParameter('client_id', 'does not match the Authorization header')
    }
    return { clientId, clientSecret, method: 'client_secret_basic' }
  }
  if (!body.client_id) throw auth0Errors.missingParameter('client_id')
  return {
    clientId: body.client_id,
    clientSecret: body.client_secret,
    method: 'client_secret_post',
  }
}

function readAssertion(body: Record<string, string | undefined>): PresentedAssertion {
  const type = body.client_assertion_type
  if (!type) throw auth0Errors.missingParameter('client_assertion_type')
  if (type !== CLIENT_ASSERTION_TYPE) {
    throw auth0Errors.invalidParameter('client_assertion_type', `must be ${CLIENT_ASSERTION_TYPE}`)
  }
  const assertion = body.client_assertion
  if (!assertion) throw auth0Errors.missingParameter('client_assertion')
  const requestedClientId = body.client_id || undefined
  return {
    method: 'private_key_jwt',
    clientId: requestedClientId ?? assertionSubject(assertion),
    requestedClientId,
    assertion,
  }
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    throw auth0Errors.invalidParameter('authorization', 'malformed Basic credentials')
  }
}

import { auth0Errors } from './oauth-error.js'

export interface PresentedCredentials {
  clientId: string
  clientSecret: string | undefined
  method: 'client_secret_post' | 'client_secret_basic'
}

/**
 * Reads the client's credentials from an HTTP Basic header
 * (`client_secret_basic`, RFC 6749 §2.3.1: both parts form-urlencoded) or the
 * body (`client_secret_post`). Using both is refused (RFC 6749 §2.3).
 */
export function readClientCredentials(
  authorization: string | undefined,
  body: Record<string, string | undefined>,
): PresentedCredentials {
  if (authorization !== undefined && /^basic\s/i.test(authorization)) {
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

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    throw auth0Errors.invalidParameter('authorization', 'malformed Basic credentials')
  }
}

import { request } from 'undici'
import { tamperToken } from './tamper.js'

export interface EndpointCheck {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** A token the endpoint must accept. */
  token: string
  /** The status a valid token gets. Default 200. */
  status?: number
  /** The exact body a valid token gets, when it must be the same for every variant. */
  body200?: string
  /** Checks the accepted answer's body further; returns a problem, or undefined. */
  inspect?: (body: string) => string | undefined
}

/**
 * Proves an endpoint accepts a valid token (its status and body) and rejects
 * the same token tampered with, and no token at all, with 401. Throws an
 * error naming what failed: a variant that fails is not measured.
 */
export async function checkEndpoint(check: EndpointCheck): Promise<void> {
  const send = async (authorization: string | undefined) => {
    const response = await request(check.url, {
      method: check.method ?? 'GET',
      headers: { ...check.headers, ...(authorization ? { authorization } : {}) },
      ...(check.body === undefined ? {} : { body: check.body }),
    })
    return { status: response.statusCode, body: await response.body.text() }
  }
  const expected = check.status ?? 200
  const valid = await send(`Bearer ${check.token}`)
  if (valid.status !== expected) {
    throw new Error(
      `valid token: expected ${expected}, got ${valid.status} ${valid.body.slice(0, 200)}`,
    )
  }
  if (check.body200 !== undefined && valid.body !== check.body200) {
    throw new Error(
      `valid token: expected the body ${check.body200}, got ${valid.body.slice(0, 200)}`,
    )
  }
  const problem = check.inspect?.(valid.body)
  if (problem) throw new Error(`valid token: ${problem}`)
  const tampered = await send(`Bearer ${tamperToken(check.token)}`)
  if (tampered.status !== 401) {
    throw new Error(`tampered token: expected 401, got ${tampered.status}`)
  }
  const anonymous = await send(undefined)
  if (anonymous.status !== 401) throw new Error(`no token: expected 401, got ${anonymous.status}`)
}

import type { Dispatcher } from 'undici'

/**
 * Setting the authorization header on an undici request whatever shape its
 * headers take, without keeping one the caller set.
 */

type Headers = Dispatcher.DispatchOptions['headers']

/** The request's headers without any authorization header, in a form we can extend. */
export type BaseHeaders = { object: Record<string, unknown> } | { flat: unknown[] }

/** Headers the interceptor sets itself: a caller's own are dropped, never sent beside ours. */
function isAuthorization(name: unknown): boolean {
  if (typeof name !== 'string') return false
  const lower = name.toLowerCase()
  return lower === 'authorization' || lower === 'dpop'
}

function hasSafeIterator(headers: object): headers is Iterable<unknown> {
  const proto = Object.getPrototypeOf(headers)
  return (
    Object.hasOwn(headers, Symbol.iterator) ||
    (proto !== null &&
      proto !== Object.prototype &&
      typeof (headers as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function')
  )
}

// undici accepts: undefined/null, a plain object, a flat [name, value, ...] array,
// an array of [name, value] pairs, or any iterable of pairs (Map, Headers).
export function stripAuthorization(headers: Headers): BaseHeaders {
  if (headers == null) return { object: {} }
  if (typeof headers !== 'object') return { flat: [] }
  const pairs =
    Array.isArray(headers) && (headers.length === 0 || !Array.isArray(headers[0]))
      ? undefined
      : hasSafeIterator(headers)
        ? headers
        : undefined
  if (Array.isArray(headers) && pairs === undefined) {
    const flat: unknown[] = []
    for (let i = 0; i < headers.length; i += 2) {
      if (!isAuthorization(headers[i])) flat.push(headers[i], headers[i + 1])
    }
    return { flat }
  }
  if (pairs !== undefined) {
    const flat: unknown[] = []
    for (const pair of pairs) {
      // A malformed entry is passed on as is, for undici to reject as it would without us.
      if (!Array.isArray(pair) || pair.length !== 2) flat.push(pair)
      else if (!isAuthorization(pair[0])) flat.push(pair[0], pair[1])
    }
    return { flat }
  }
  const object: Record<string, unknown> = {}
  const record = headers as Record<string, unknown>
  for (const name of Object.keys(record)) {
    if (!isAuthorization(name)) object[name] = record[name]
  }
  return { object }
}

export function withBearer(base: BaseHeaders, token: string): Headers {
  const value = `Bearer ${token}`
  if ('object' in base) return { ...base.object, authorization: value } as Headers
  return [...base.flat, 'authorization', value] as Headers
}

/** `Authorization: DPoP <token>` and the request's `DPoP` proof (RFC 9449 §7.1). */
export function withDpop(base: BaseHeaders, token: string, proof: string): Headers {
  const value = `DPoP ${token}`
  if ('object' in base) return { ...base.object, authorization: value, dpop: proof } as Headers
  return [...base.flat, 'authorization', value, 'dpop', proof] as Headers
}

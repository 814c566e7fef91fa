import { LRUCache } from 'lru-cache'

/** RFC 3986 §2.3: characters that never need percent-encoding. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/

/**
 * RFC 3986 §6.2.2.1–2: a percent-encoded unreserved character stands for
 * itself ("%7Euser" is "~user"), and the hex digits of the others are
 * uppercase ("%2f" is "%2F"). WHATWG URL parsing does neither.
 */
function normalizePercentEncoding(path: string): string {
  if (!path.includes('%')) return path
  return path.replace(/%[0-9A-Fa-f]{2}/g, (encoded) => {
    const character = String.fromCharCode(Number.parseInt(encoded.slice(1), 16))
    return UNRESERVED.test(character) ? character : encoded.toUpperCase()
  })
}

/**
 * The `htu` of a request (RFC 9449 §4.2): its URI without query and fragment,
 * normalized (RFC 3986 §6.2.2–6.2.3: scheme and host lowercase, default port
 * dropped, dot segments resolved, an empty path as "/", percent-encodings of
 * unreserved characters decoded and the others' hex digits uppercase), so
 * "HTTPS://API.example.com:443/a/../%7eb?x" and "https://api.example.com/~b"
 * compare equal. `undefined` for what is not an absolute http(s) URL.
 */
export function normalizeHtu(uri: string): string | undefined {
  // Each request's proof is checked against the route's URL and the proof's own htu: both
  // repeat, and parsing them costs more than the lookup.
  const known = normalized.get(uri)
  if (known !== undefined) return known === '' ? undefined : known
  const result = parseHtu(uri)
  normalized.set(uri, result ?? '')
  return result
}

// '' for a URI that is not an http(s) URL (the cache holds no undefined).
const normalized = new LRUCache<string, string>({ max: 1_000 })

function parseHtu(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  return `${url.origin}${normalizePercentEncoding(url.pathname)}`
}

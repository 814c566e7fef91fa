/**
 * The `htu` of a request (RFC 9449 §4.2): its URI without query and fragment,
 * normalized (RFC 3986 §6.2.2–6.2.3 as WHATWG URL parsing does it: scheme and
 * host lowercase, default port dropped, dot segments resolved, an empty path
 * as "/"), so "HTTPS://API.example.com:443/a/../b?x" and
 * "https://api.example.com/b" compare equal. `undefined` for what is not an
 * absolute http(s) URL.
 */
export function normalizeHtu(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  return `${url.origin}${url.pathname}`
}

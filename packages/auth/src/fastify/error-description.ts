/** Longest `error_description` sent, so a verbose verifier message cannot bloat every answer. */
const MAX_LENGTH = 200

const REDACTED = '[token]'

/**
 * Makes text fit the `error_description` syntax of RFC 6750 §3
 * (`%x20-21 / %x23-5B / %x5D-7E`), for the `WWW-Authenticate` header and the
 * JSON body alike: `"` becomes `'`, `\` becomes `/`, control characters become
 * spaces and other characters outside printable ASCII become `?`. The header
 * is built by string concatenation, so this is what keeps a verifier message
 * from breaking out of the quoted string.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function sanitizeErrorDescription(text: string): string {
  const clean = text
    .replaceAll('"', "'")
    .replaceAll('\\', '/')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/[^\x20-\x7E]/gu, '?')
  return clean.length > MAX_LENGTH ? `${clean.slice(0, MAX_LENGTH - 3)}...` : clean
}

/**
 * Replaces the token, and each of its long JWS segments, with `[token]`:
 * a verifier may quote what it was given, and the token must never reach a
 * response or a log line.
 */
export function redactToken(text: string, token: string | undefined): string {
  if (token === undefined || token === '') return text
  let out = text.replaceAll(token, REDACTED)
  for (const segment of token.split('.')) {
    // Short segments are too likely to occur in ordinary words.
    if (segment.length >= 16) out = out.replaceAll(segment, REDACTED)
  }
  return out
}

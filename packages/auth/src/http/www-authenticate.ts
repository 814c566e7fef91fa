/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** The auth-scheme as sent; compare it case-insensitively. */
  scheme: string
  /** auth-params by lower-cased name; quoted-string values unescaped. */
  params: Map<string, string>
}

// RFC 9110 §5.6.2 tchar
const isTchar = (code: number): boolean =>
  (code >= 0x30 && code <= 0x39) ||
  (code >= 0x41 && code <= 0x5a) ||
  (code >= 0x61 && code <= 0x7a) ||
  "!#$%&'*+-.^_`|~".includes(String.fromCharCode(code))

// token68 followed by the end of the challenge (whitespace, a comma or the end)
const token68 = /^[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(,|$))/

/**
 * Parses every challenge of one or more `WWW-Authenticate` field values.
 * Lenient: parsing stops at the first malformed part and keeps what came before,
 * so a garbled header can only make a challenge disappear, never invent one.
 */
export function parseChallenges(value: string | readonly string[] | undefined): AuthChallenge[] {
  if (value === undefined) return []
  if (typeof value !== 'string') return value.flatMap((line) => parseChallenges(line))

  const challenges: AuthChallenge[] = []
  const n = value.length
  let i = 0
  let current: AuthChallenge | undefined

  const skipSpaces = () => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++
  }
  const readToken = () => {
    const start = i
    while (i < n && isTchar(value.charCodeAt(i))) i++
    return value.slice(start, i)
  }
  const readQuoted = () => {
    let out = ''
    i++ // opening quote
    while (i < n && value[i] !== '"') {
      if (value[i] === '\\' && i + 1 < n) i++
      out += value[i]
      i++
    }
    i++ // closing quote (or past the end of an unterminated string)
    return out
  }

  while (i < n) {
    skipSpaces()
    if (value[i] === ',') {
      i++
      continue
    }
    if (i >= n) break
    const name = readToken()
    if (name === '') break
    skipSpaces()
    if (current !== undefined && value[i] === '=') {
      i++
      skipSpaces()
      const paramValue = value[i] === '"' ? readQuoted() : readToken()
      current.params.set(name.toLowerCase(), paramValue)
      continue
    }
    current = { scheme: name, params: new Map() }
    challenges.push(current)
    const credentials = token68.exec(value.slice(i))
    if (credentials) {
      i += credentials[0].length
      current = undefined // a token68 challenge has no auth-params
    }
  }
  return challenges
}

/**
 * The `error` auth-param of the first `Bearer` challenge (RFC 6750 §3), if any.
 * The scheme is matched case-insensitively; the error code is returned as sent.
 */
export function bearerError(value: string | readonly string[] | undefined): string | undefined {
  for (const challenge of parseChallenges(value)) {
    if (challenge.scheme.toLowerCase() === 'bearer') return challenge.params.get('error')
  }
  return undefined
}

/** The `error` auth-param of the first `DPoP` challenge (RFC 9449 §7.1), if any. */
export function dpopError(value: string | readonly string[] | undefined): string | undefined {
  for (const challenge of parseChallenges(value)) {
    if (challenge.scheme.toLowerCase() === 'dpop') return challenge.params.get('error')
  }
  return undefined
}

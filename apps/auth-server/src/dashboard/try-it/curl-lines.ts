/** What a shell passes through unquoted. */
const SHELL_SAFE = /^[\w.:/=@%+,-]+$/

/** One shell word: as is when safe, else in single quotes. */
export function shellWord(value: string): string {
  return SHELL_SAFE.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`
}

export interface CurlLines {
  /** Gets a token; the secret stays a shell variable, `$CLIENT_SECRET`, never its value. */
  getToken: string
  /** Calls the API with `$TOKEN`; `$API_URL` where the API's identifier is not a URL. */
  callApi: string
}

/** The two commands that do from a terminal what "Try it" did. */
export function curlLines(request: {
  issuer: string
  clientId: string
  audience: string
  scope: string
  organization: string
}): CurlLines {
  const field = (name: string, value: string) => `--data-urlencode ${shellWord(`${name}=${value}`)}`
  const getToken = [
    'curl -sS',
    shellWord(`${request.issuer}oauth/token`),
    field('grant_type', 'client_credentials'),
    field('client_id', request.clientId),
    '--data-urlencode "client_secret=$CLIENT_SECRET"',
    field('audience', request.audience),
    ...(request.scope ? [field('scope', request.scope)] : []),
    ...(request.organization ? [field('organization', request.organization)] : []),
  ].join(' ')
  const apiUrl = /^https?:\/\//.test(request.audience) ? shellWord(request.audience) : '"$API_URL"'
  return { getToken, callApi: `curl -sS ${apiUrl} -H "Authorization: Bearer $TOKEN"` }
}

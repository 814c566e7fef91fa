import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TokenProviderOptions } from '../../src/token/index.js'

export interface RecordedTokenRequest {
  path: string
  headers: IncomingHttpHeaders
  /** The body parsed as form or JSON, whichever the content-type says. */
  params: Record<string, string>
  contentType: string | undefined
}

export type TokenReply =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | 'hang'
  | 'reset'

/**
 * A real OAuth token endpoint on 127.0.0.1:0 (msw cannot see undici's sockets),
 * with discovery. Replies come from a script; by default each request gets a
 * new token `token-<n>` valid `expiresIn` seconds.
 */
export async function startTokenServer() {
  const requests: RecordedTokenRequest[] = []
  const script: TokenReply[] = []
  let expiresIn = 3600
  let discoveryHits = 0
  let issuerOverride: string | undefined
  let counter = 0
  let onTokenRequest: (() => void) | undefined
  let grant: ClientGrant | undefined

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.url === '/.well-known/openid-configuration') {
        discoveryHits++
        return json(res, 200, {
          issuer: issuerOverride ?? issuer,
          token_endpoint: `${issuer}oauth/token`,
          jwks_uri: `${issuer}.well-known/jwks.json`,
        })
      }
      const text = Buffer.concat(chunks).toString('utf8')
      const contentType = req.headers['content-type']
      const params: Record<string, string> = contentType?.startsWith('application/json')
        ? JSON.parse(text)
        : Object.fromEntries(new URLSearchParams(text))
      requests.push({ path: req.url ?? '', headers: req.headers, params, contentType })
      onTokenRequest?.()
      const reply = script.shift() ?? {
        status: 200,
        body: { access_token: `token-${++counter}`, token_type: 'Bearer', expires_in: expiresIn },
      }
      if (grant && reply !== 'hang' && reply !== 'reset' && reply.status === 200) {
        const refused = grantReply(grant, params.scope, reply)
        if (refused) return json(res, refused.status, refused.body)
      }
      if (reply === 'hang') return
      if (reply === 'reset') return req.socket.destroy()
      const send = () => json(res, reply.status, reply.body, reply.headers)
      if (reply.delayMs) setTimeout(send, reply.delayMs)
      else send()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}/`

  return {
    issuer,
    tokenEndpoint: `${issuer}oauth/token`,
    requests,
    /** Replies for the next requests, in order; then the default. */
    reply(...replies: TokenReply[]) {
      script.push(...replies)
    },
    /** Runs when a token request arrives, before the reply. */
    onTokenRequest(hook: () => void) {
      onTokenRequest = hook
    },
    /**
     * Answers as a client grant of `scopes` would: 403 for a scope outside it;
     * else `all` (Auth0) grants every scope of the grant, `asked` only those asked.
     */
    setGrant(scopes: string[], mode: ClientGrant['mode'] = 'all') {
      grant = { scopes, mode }
    },
    setExpiresIn(seconds: number) {
      expiresIn = seconds
    },
    setDiscoveryIssuer(value: string) {
      issuerOverride = value
    },
    get discoveryHits() {
      return discoveryHits
    },
    get tokenRequests() {
      return requests.length
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export type TokenServer = Awaited<ReturnType<typeof startTokenServer>>

interface ClientGrant {
  scopes: string[]
  mode: 'all' | 'asked'
}

/** Puts the granted `scope` in a successful `reply`, or says how Auth0 refuses the request. */
function grantReply(
  grant: ClientGrant,
  asked: string | undefined,
  reply: { body?: unknown },
): { status: number; body: unknown } | undefined {
  const wanted = asked ? asked.split(' ').filter((s) => s !== '') : []
  const outside = wanted.filter((s) => !grant.scopes.includes(s))
  if (outside.length > 0) {
    return {
      status: 403,
      body: {
        error: 'access_denied',
        error_description: `Client has not been granted scopes: ${outside.join(' ')}`,
      },
    }
  }
  const granted = grant.mode === 'all' || wanted.length === 0 ? grant.scopes : wanted
  reply.body = { ...(reply.body as object), scope: granted.join(' ') }
  return undefined
}

/**
 * What a token provider needs to get tokens from `server`: its issuer and token
 * endpoint, as client `gift-deliveries` with `clientSecret`, for the audience
 * `urn:worldmappers`.
 */
export function providerOptionsFor(
  server: TokenServer,
  clientSecret: string,
): Pick<
  TokenProviderOptions,
  'issuer' | 'tokenEndpoint' | 'clientId' | 'clientSecret' | 'audience'
> {
  return {
    issuer: server.issuer,
    tokenEndpoint: server.tokenEndpoint,
    clientId: 'gift-deliveries',
    clientSecret,
    audience: 'urn:worldmappers',
  }
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body))
}

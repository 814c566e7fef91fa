import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSigner, createVerifier } from 'fast-jwt'

export interface AssertionExchange {
  params: Record<string, string>
  /** The verified assertion, when it verified. */
  header?: Record<string, unknown>
  payload?: Record<string, unknown>
}

/**
 * A stub token endpoint (with discovery) on 127.0.0.1:0 that takes only
 * `private_key_jwt`: it verifies the client assertion with `publicKeyPem` as
 * Auth0 would (RS256, RS384 or PS256; iss = sub = `clientId`; aud = the tenant
 * URL; a 60 s lifetime at most; a `jti` never seen before) and answers a token
 * whose claims say what it checked. A refusal echoes the assertion in its
 * `error_description`, as a careless server might, so tests can see the CLI
 * keeps it out of its output.
 */
export async function startAssertionEndpoint(publicKeyPem: string, clientId: string) {
  const exchanges: AssertionExchange[] = []
  const seenJti = new Set<string>()
  const signToken = createSigner({ key: 'stub-signing-secret-0123456789', algorithm: 'HS256' })

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.url === '/.well-known/openid-configuration') {
        return json(res, 200, { issuer, token_endpoint: `${issuer}oauth/token` })
      }
      const text = Buffer.concat(chunks).toString('utf8')
      const params = req.headers['content-type']?.startsWith('application/json')
        ? (JSON.parse(text) as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(text))
      const exchange: AssertionExchange = { params }
      exchanges.push(exchange)
      const refuse = (reason: string) =>
        json(res, 401, {
          error: 'invalid_client',
          error_description: `${reason}: ${params.client_assertion ?? ''}`,
        })
      if (params.client_secret !== undefined) return refuse('a client secret was sent')
      if (
        params.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
      ) {
        return refuse('wrong client_assertion_type')
      }
      try {
        const verified = createVerifier({
          key: publicKeyPem,
          algorithms: ['RS256', 'RS384', 'PS256'],
          complete: true,
          allowedIss: clientId,
          allowedSub: clientId,
          allowedAud: issuer,
          requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti'],
        })(params.client_assertion ?? '') as {
          header: Record<string, unknown>
          payload: Record<string, unknown> & { iat: number; exp: number; jti: string }
        }
        exchange.header = verified.header
        exchange.payload = verified.payload
        const { iat, exp, jti } = verified.payload
        if (exp - iat > 60) return refuse('the assertion lives too long')
        if (seenJti.has(jti)) return refuse('the assertion was replayed')
        seenJti.add(jti)
        const now = Math.floor(Date.now() / 1000)
        const access_token = signToken({
          iss: issuer,
          sub: `${clientId}@clients`,
          aud: params.audience,
          azp: clientId,
          gty: 'client-credentials',
          iat: now,
          exp: now + 600,
          assertion_alg: verified.header.alg,
          assertion_kid: verified.header.kid,
        })
        return json(res, 200, { access_token, token_type: 'Bearer', expires_in: 600 })
      } catch (error) {
        return refuse(`the assertion does not verify (${(error as { code?: string }).code})`)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}/`

  return {
    issuer,
    exchanges,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

import type { IncomingHttpHeaders } from 'node:http'
import m2mAuth from '@m2m/auth/fastify'
import Fastify from 'fastify'

export interface SeenRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

/**
 * A resource server for `urn:worldmappers` on 127.0.0.1:0 with the
 * `@m2m/auth/fastify` plugin requiring DPoP-bound tokens and, with
 * `nonce`, server nonces (`use_dpop_nonce`). `GET`/`POST /things` answer
 * `request.auth`; `seen` holds every request, refused ones included.
 */
export async function startDpopResourceServer(issuer: string, options: { nonce?: boolean } = {}) {
  const app = Fastify()
  const seen: SeenRequest[] = []
  app.addHook('onRequest', async (request) => {
    seen.push({ method: request.method, url: request.url, headers: request.headers })
  })
  await app.register(m2mAuth, {
    issuer,
    audience: 'urn:worldmappers',
    dpop: { mode: 'required', ...(options.nonce ? { nonce: {} } : {}) },
  })
  const answer = async (request: { auth: unknown }) => ({ auth: request.auth })
  app.get('/things', answer)
  app.post('/things', answer)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, seen, close: () => app.close() }
}

/** The decoded header and payload of a JWT (a DPoP proof), unverified. */
export function decodeParts(jwt: string): {
  header: Record<string, unknown>
  payload: Record<string, unknown>
} {
  const [header, payload] = jwt
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')))
  return { header, payload }
}

import Fastify, {
  type FastifyInstance,
  type FastifyServerOptions,
  type InjectOptions,
} from 'fastify'
import { createDpopProof, DPOP_ALGORITHMS, type DpopKey } from '../src/dpop/index.js'
import m2mAuth, { type M2mAuthBaseOptions } from '../src/fastify/index.js'
import type { TokenVerifier } from '../src/verify/types.js'

// Shared by the fastify-dpop*.test.ts files and the attack suite: an app with a route per
// DPoP mode, and the proofs and headers a DPoP client sends.

export const REALM = 'api'
/** What `app.inject()` requests are addressed to (light-my-request's default Host is localhost:80). */
export const ORIGIN = 'http://localhost'
export const ALL_ALGS = DPOP_ALGORITHMS.join(' ')

export interface ProofOptions {
  method?: string
  /** Path, or an absolute URL for another origin. */
  url?: string
  /** The access token whose hash goes in `ath`; `null` leaves `ath` out. */
  token: string | null
  nonce?: string
  /** ms since the epoch. */
  now?: number
}

/** A proof as a DPoP client would sign it for one request. */
export function proofFor(key: DpopKey, options: ProofOptions): string {
  const url = options.url ?? '/me'
  return createDpopProof(
    key,
    {
      htm: options.method ?? 'GET',
      htu: url.startsWith('/') ? `${ORIGIN}${url}` : url,
      accessToken: options.token ?? undefined,
      nonce: options.nonce,
    },
    options.now,
  )
}

/** `Authorization: DPoP <token>` and the `DPoP` proof header. */
export function dpopHeaders(
  token: string,
  proof: string | string[],
): Record<string, string | string[]> {
  return { authorization: `DPoP ${token}`, dpop: proof }
}

export const bearerHeaders = (token: string) => ({ authorization: `Bearer ${token}` })

/** The challenge of a DPoP refusal on a route that takes both schemes. */
export const dpopAndBearer = (error: string, description: string, algs = ALL_ALGS) =>
  `Bearer realm="${REALM}", DPoP error="${error}", error_description="${description}", algs="${algs}"`

/** The challenge of a refusal on a route that requires DPoP. */
export const dpopOnly = (error: string, description: string, algs = ALL_ALGS) =>
  `DPoP error="${error}", error_description="${description}", algs="${algs}"`

export const proofRefused = (detail: string) => `The DPoP proof was refused: ${detail}`

/**
 * An app with one route per mode (`/me` takes the plugin's mode), a scoped
 * route and a POST, whose handlers answer `request.auth` as JSON.
 */
export async function buildDpopApp(
  verifier: TokenVerifier,
  options: M2mAuthBaseOptions = {},
  fastifyOptions: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify(fastifyOptions)
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  )
  await app.register(m2mAuth, { realm: REALM, ...options, verifier })
  const answer = async (request: { auth: unknown }) => ({ auth: request.auth })
  app.get('/me', answer)
  app.get('/required', { config: { dpop: 'required' } }, answer)
  app.get('/allowed', { config: { dpop: 'allowed' } }, answer)
  app.get('/bearer-only', { config: { dpop: 'disabled' } }, answer)
  app.get('/geocode', { config: { scopes: ['geocode:location'] } }, answer)
  app.post('/deliveries', answer)
  app.get('/healthz', { config: { auth: false } }, async () => ({ ok: true }))
  await app.ready()
  return app
}

export type { InjectOptions }

import type { Server } from 'node:http'
import { createMemoryReplayCache } from '@m2m/auth/dpop'
import { m2mAuth } from '@m2m/auth/fastify'
import express, { type NextFunction, type Request, type Response } from 'express'
import { expressjwt, type GetVerificationKey } from 'express-jwt'
import { auth as oauth2JwtBearer } from 'express-oauth2-jwt-bearer'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyAuth0Verify from 'fastify-auth0-verify'
import buildGetJwks from 'get-jwks'
import jwksRsa from 'jwks-rsa'

/** What every variant answers on `GET /resource` to an accepted token. */
export const RESOURCE_BODY = JSON.stringify({ hello: 'world' })
export const RESOURCE_PATH = '/resource'

export interface VariantSettings {
  issuer: string
  audience: string
}

export interface ListeningVariant {
  port: number
  close(): Promise<void>
}

type Build = (settings: VariantSettings) => Promise<ListeningVariant>

/** The resource servers of scenarios 1 and 2, in table order. */
export const RESOURCE_VARIANTS = [
  { id: 'fastify-no-auth', label: 'Fastify, no auth (the limit)', ours: false, auth: false },
  {
    id: 'fastify-no-auth-b',
    label: 'Fastify, no auth, a second copy (A/A control)',
    ours: false,
    auth: false,
  },
  {
    id: 'fastify-empty-hook',
    label: 'Fastify + one empty onRequest hook (the least a hook costs)',
    ours: false,
    auth: false,
  },
  { id: 'm2m-auth-fastify', label: 'Fastify + @m2m/auth/fastify (ours)', ours: true, auth: true },
  { id: 'fastify-auth0-verify', label: 'Fastify + fastify-auth0-verify', ours: false, auth: true },
  { id: 'naive-fast-jwt', label: 'Fastify + naive fast-jwt + get-jwks', ours: false, auth: true },
  {
    id: 'express-oauth2-jwt-bearer',
    label: 'Express + express-oauth2-jwt-bearer',
    ours: false,
    auth: true,
  },
  { id: 'express-jwt', label: 'Express + express-jwt + jwks-rsa', ours: false, auth: true },
] as const

export type VariantId = (typeof RESOURCE_VARIANTS)[number]['id']

const jwksUri = (issuer: string) => `${issuer}.well-known/jwks.json`

async function listenFastify(app: FastifyInstance): Promise<ListeningVariant> {
  app.get(RESOURCE_PATH, async () => ({ hello: 'world' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as { port: number }).port, close: () => app.close() }
}

function listenExpress(app: express.Express): Promise<ListeningVariant> {
  app.get(RESOURCE_PATH, (_request, response) => {
    response.json({ hello: 'world' })
  })
  // Both middlewares raise errors with a `status` (401 for a refused token).
  app.use(
    (error: { status?: number }, _request: Request, response: Response, _next: NextFunction) => {
      response
        .status(error.status ?? 500)
        .json({ error: error.status === 401 ? 'invalid_token' : 'error' })
    },
  )
  return new Promise((resolve) => {
    const server: Server = app.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    )
  })
}

/** Each variant as its documentation shows it, verifying RS256 against the issuer's JWKS. */
const builders: Record<VariantId, Build> = {
  'fastify-no-auth': async () => listenFastify(Fastify()),
  // The same server again: what two identical things measure apart is the run's noise.
  'fastify-no-auth-b': async () => listenFastify(Fastify()),

  // What Fastify charges any plugin that checks requests in a hook, before the hook does anything.
  'fastify-empty-hook': async () => {
    const app = Fastify()
    app.addHook('onRequest', (_request, _reply, done) => done())
    return listenFastify(app)
  },

  'm2m-auth-fastify': async ({ issuer, audience }) => {
    const app = Fastify()
    await app.register(m2mAuth, { issuer, audience })
    return listenFastify(app)
  },

  'fastify-auth0-verify': async ({ issuer, audience }) => {
    const app = Fastify()
    await app.register(fastifyAuth0Verify, { domain: issuer, issuer, audience })
    app.addHook('onRequest', app.authenticate)
    return listenFastify(app)
  },

  // fast-jwt with an async key from get-jwks: the key is looked up and imported per verification.
  'naive-fast-jwt': async ({ issuer, audience }) => {
    const getJwks = buildGetJwks({ issuersWhitelist: [issuer] })
    const verify = createFastJwtVerifier({
      algorithms: ['RS256'],
      allowedIss: issuer,
      allowedAud: audience,
      requiredClaims: ['iss', 'aud', 'exp'],
      key: async ({ header }: { header: Record<string, string> }) =>
        getJwks.getPublicKey({ kid: header.kid, alg: header.alg, domain: issuer }),
    })
    const app = Fastify()
    app.addHook('onRequest', async (request, reply) => {
      const [scheme, token] = (request.headers.authorization ?? '').split(' ')
      if (scheme !== 'Bearer' || !token) return reply.code(401).send({ error: 'unauthorized' })
      try {
        await verify(token)
      } catch {
        return reply.code(401).send({ error: 'invalid_token' })
      }
    })
    return listenFastify(app)
  },

  'express-oauth2-jwt-bearer': async ({ issuer, audience }) => {
    const app = express()
    app.use(oauth2JwtBearer({ issuerBaseURL: issuer, audience, tokenSigningAlg: 'RS256' }))
    return listenExpress(app)
  },

  'express-jwt': async ({ issuer, audience }) => {
    const app = express()
    app.use(
      expressjwt({
        secret: jwksRsa.expressJwtSecret({
          jwksUri: jwksUri(issuer),
          cache: true,
          rateLimit: true,
        }) as GetVerificationKey,
        audience,
        issuer,
        algorithms: ['RS256'],
      }),
    )
    return listenExpress(app)
  },
}

/**
 * Proof jtis the DPoP server can hold at once. A jti is kept until its proof
 * is too old (the plugin's default 120 s, plus 30 s of leeway): at the bench's
 * up to ~10,000 DPoP requests/s, the default 1,000,000 could fill and proofs
 * be refused. A busy server sizes it for its rate, or shares one in Redis.
 */
export const DPOP_REPLAY_CAPACITY = 2_000_000

/**
 * Fastify + `@m2m/auth/fastify` as ours, on the same route, with DPoP allowed
 * (the plugin's default mode) for an API whose tokens the tenant binds when
 * asked with a proof: a bearer token and a DPoP-bound token + proof on the
 * same route of the same server. Only the replay cache is sized for the load.
 */
export async function buildDpopVariant({
  issuer,
  audience,
}: VariantSettings): Promise<ListeningVariant> {
  const app = Fastify()
  await app.register(m2mAuth, {
    issuer,
    audience,
    dpop: {
      mode: 'allowed',
      replayCache: createMemoryReplayCache({ maxEntries: DPOP_REPLAY_CAPACITY }),
    },
  })
  return listenFastify(app)
}

export function isVariantId(value: unknown): value is VariantId {
  return RESOURCE_VARIANTS.some((variant) => variant.id === value)
}

export function buildVariant(id: VariantId, settings: VariantSettings): Promise<ListeningVariant> {
  return builders[id](settings)
}

import { m2mAuth } from '@m2m/auth/fastify'
import type { TokenVerifier } from '@m2m/auth/verify'
import { registerOpenApi } from '@m2m/service-kit'
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify'
import { ApiError, notReady } from './errors.js'
import type { Gazetteer, Place } from './geo/types.js'
import { directionsRoutes } from './routes/directions.js'
import { healthRoutes } from './routes/health.js'
import { locationRoutes } from './routes/location.js'
import { meRoutes } from './routes/me.js'

export interface AppOptions {
  issuer: string
  audience: string
  /** The issuer's JWKS when not at `<issuer>.well-known/jwks.json`. */
  jwksUri?: string
  /** Loaded, or loading: routes answer 503 until it is ready. */
  gazetteer: Gazetteer | Promise<Gazetteer>
  /** Name of the default origin of directions. */
  depot: string
  /** For tests: verify with this instead of the issuer's JWKS. */
  verifier?: TokenVerifier
  logger?: FastifyServerOptions['loggerInstance']
}

const attribution =
  'Place data from GeoNames (https://www.geonames.org/), licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).'

/** Builds the World Mappers API; never listens (tests use `inject`). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    return503OnClosing: true,
    // Unknown query parameters are refused (400 naming them), not silently dropped.
    ajv: { customOptions: { allErrors: false, removeAdditional: false } },
  })

  let gazetteer: Gazetteer | undefined
  let depot: Place | undefined
  const loading = Promise.resolve(options.gazetteer).then((loaded) => {
    gazetteer = loaded
    return loaded
  })
  loading.catch(() => {})
  const currentGazetteer = () => {
    if (!gazetteer) throw notReady()
    return gazetteer
  }
  const currentDepot = () => {
    depot ??= currentGazetteer().geocode(options.depot, 1)[0]?.place
    if (!depot)
      throw new ApiError(
        500,
        'GEO_ERR_NO_DEPOT',
        `The depot ${JSON.stringify(options.depot)} is no known place`,
      )
    return depot
  }
  app.decorate('placesLoaded', loading)

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.statusCode === 503) reply.header('retry-after', '1')
      return reply.code(error.statusCode).send({ error: error.code, message: error.message })
    }
    const fastifyError = error as FastifyError
    if (fastifyError.validation) {
      return reply.code(400).send({ error: 'invalid_request', message: fastifyError.message })
    }
    const status = fastifyError.statusCode ?? 500
    if (status >= 500) request.log.error({ err: error }, 'unexpected error')
    return reply.code(status).send({
      error: status >= 500 ? 'internal_error' : 'invalid_request',
      message: status >= 500 ? 'Internal error' : fastifyError.message,
    })
  })

  await registerOpenApi(app, {
    title: 'World Mappers API',
    description: `Geocoding, reverse geocoding and directions, guarded by OAuth 2.0 client-credentials scopes. ${attribution}`,
    tokenUrl: `${options.issuer}oauth/token`,
    scopes: {
      'geocode:location': 'Find the coordinates of an address',
      'reverse-geocode:location': 'Find the place at coordinates',
      directions: 'Get directions between two places',
    },
  })
  await app.register(healthRoutes, { ready: () => gazetteer !== undefined })

  await app.register(async (api) => {
    await api.register(m2mAuth, {
      ...(options.verifier
        ? { verifier: options.verifier }
        : {
            issuer: options.issuer,
            audience: options.audience,
            ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
          }),
      realm: options.audience,
    })
    await api.register(locationRoutes, { gazetteer: currentGazetteer })
    await api.register(directionsRoutes, { gazetteer: currentGazetteer, depot: currentDepot })
    await api.register(meRoutes)
  })
  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves when the place index is loaded (rejects if it cannot be). */
    placesLoaded: Promise<Gazetteer>
  }
}

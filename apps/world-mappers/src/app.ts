import {
  answerErrors,
  healthRoutes,
  type ProtectedApiOptions,
  registerOpenApi,
  registerProtectedApi,
  serviceServerOptions,
} from '@m2m/service-kit'
import {
  createServiceTelemetry,
  registerTelemetry,
  type ServiceTelemetry,
} from '@m2m/service-kit/telemetry'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { NoDepotError, NotReadyError } from './errors.js'
import type { Gazetteer, Place } from './geo/types.js'
import { directionsRoutes } from './routes/directions.js'
import { locationRoutes } from './routes/location.js'
import { meRoutes } from './routes/me.js'

export interface AppOptions extends ProtectedApiOptions {
  /** Loaded, or loading: routes answer 503 until it is ready. */
  gazetteer: Gazetteer | Promise<Gazetteer>
  /** Name of the default origin of directions. */
  depot: string
  /**
   * The app's metrics (`GET /metrics`) and spans; its token verification
   * records there too. Default: its own, shut down with the app.
   */
  telemetry?: ServiceTelemetry
  logger?: FastifyServerOptions['loggerInstance']
}

const attribution =
  'Place data from GeoNames (https://www.geonames.org/), licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).'

/** Builds the World Mappers API; never listens (tests use `inject`). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...serviceServerOptions(options.logger),
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
    if (!gazetteer) throw new NotReadyError()
    return gazetteer
  }
  const currentDepot = () => {
    depot ??= currentGazetteer().geocode(options.depot, 1)[0]?.place
    if (!depot) throw new NoDepotError(options.depot)
    return depot
  }
  app.decorate('placesLoaded', loading)

  const telemetry = options.telemetry ?? createServiceTelemetry({ serviceName: 'world-mappers' })
  if (!options.telemetry) app.addHook('onClose', () => telemetry.shutdown())
  await registerTelemetry(app, telemetry)
  answerErrors(app)

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
  await app.register(healthRoutes, {
    readiness: () =>
      gazetteer
        ? { ready: true, body: { status: 'ready' } }
        : { ready: false, body: { status: 'loading' } },
  })
  await registerProtectedApi(app, { ...options, telemetry: telemetry.providers }, async (api) => {
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

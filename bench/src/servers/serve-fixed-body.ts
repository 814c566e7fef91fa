/**
 * Child process: a bare Fastify route on 127.0.0.1 answering `GET <BENCH_PATH>`
 * with the JSON value of `BENCH_BODY`, serialized per request as any route
 * returning an object is: the limit a whole app on the same route is compared
 * with (port in the ready message). `BENCH_LAYERS` adds what the app has, one
 * part at a time, to show what each costs:
 * - `auth`: the route in `registerProtectedApi`, as the services put theirs:
 *   `@m2m/auth/fastify` verifying tokens of `BENCH_ISSUER` for `BENCH_AUDIENCE`;
 * - `telemetry`: `registerTelemetry` (spans, request durations, `/metrics`)
 *   on a service telemetry made as the services make theirs;
 * - `logger`: the service logger at `warn` with `serviceServerOptions`;
 * - `service`: the error handler, the OpenAPI document and the health routes;
 * - `places`: world-mappers' gazetteer (GeoNames cities and its default
 *   PLACES_FILE), loaded and held as the app holds it, answering nothing.
 * The layers are registered in the order world-mappers' `buildApp` registers them.
 *
 * Every variant starts as the services' `main` does, with `holdTickObjectShape`
 * (`announce` calls it before the server is built, so before the places load):
 * without it, the collections of the `places` load left Node's `nextTick`
 * literal megamorphic in 2 of 2 starts (three runtime calls per `nextTick`,
 * read with `%DebugPrint(process.nextTick)` after 20,000 requests), and a row
 * would be slowed by a start-up accident rather than by the part it adds.
 */
import { createServiceLogger } from '@m2m/auth'
import {
  answerErrors,
  healthRoutes,
  registerOpenApi,
  registerProtectedApi,
  serviceServerOptions,
} from '@m2m/service-kit'
import { createServiceTelemetry, registerTelemetry } from '@m2m/service-kit/telemetry'
import { devPlacesFile, loadGazetteer } from '@m2m/world-mappers'
import Fastify from 'fastify'
import { announce } from '../runner/processes.js'

/** Held for the process's life, as world-mappers holds its gazetteer. */
let places: Awaited<ReturnType<typeof loadGazetteer>> | undefined

const LAYERS = new Set(['auth', 'telemetry', 'logger', 'service', 'places'])

await announce(async () => {
  const path = process.env.BENCH_PATH
  const body = process.env.BENCH_BODY
  if (!path || !body) throw new Error('BENCH_PATH and BENCH_BODY are required')
  const layers = (process.env.BENCH_LAYERS ?? '').split(',').filter((layer) => layer !== '')
  const unknown = layers.filter((layer) => !LAYERS.has(layer))
  if (unknown.length > 0) throw new Error(`BENCH_LAYERS: unknown ${unknown.join(', ')}`)
  const value = JSON.parse(body) as object
  const app = Fastify(
    layers.includes('logger')
      ? serviceServerOptions(createServiceLogger({ level: 'warn' }))
      : undefined,
  )
  const telemetry = layers.includes('telemetry')
    ? createServiceTelemetry({ serviceName: 'bench-fixed-body' })
    : undefined
  if (telemetry) await registerTelemetry(app, telemetry)
  if (layers.includes('service')) {
    answerErrors(app)
    await registerOpenApi(app, {
      title: 'bench',
      description: 'the bare route with the service parts',
      tokenUrl: `${process.env.BENCH_ISSUER ?? 'http://127.0.0.1/'}oauth/token`,
      scopes: {},
    })
    await app.register(healthRoutes, {})
  }
  if (layers.includes('auth')) {
    const issuer = process.env.BENCH_ISSUER
    const audience = process.env.BENCH_AUDIENCE
    if (!issuer || !audience) throw new Error('BENCH_ISSUER and BENCH_AUDIENCE are required')
    const options = { issuer, audience, ...(telemetry ? { telemetry: telemetry.providers } : {}) }
    await registerProtectedApi(app, options, async (api) => {
      api.get(path, async () => value)
    })
  } else {
    app.get(path, async () => value)
  }
  places = layers.includes('places')
    ? await loadGazetteer({ placesFile: devPlacesFile })
    : undefined
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as { port: number }).port, places: places?.size ?? 0 }
})

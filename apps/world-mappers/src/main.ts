import { createServiceLogger } from '@m2m/auth'
import {
  exitGracefully,
  failStartup,
  holdTickObjectShape,
  listenOrExit,
  loadConfigOrExit,
} from '@m2m/service-kit'
import { createServiceTelemetry } from '@m2m/service-kit/telemetry'
import { buildApp } from './app.js'
import { loadConfig } from './config.js'
import { loadGazetteer } from './geo/gazetteer.js'

function fail(message: string): never {
  return failStartup('world-mappers', message)
}

async function main(): Promise<void> {
  // Before the place index is built: its collections would otherwise leave Node's
  // nextTick literal megamorphic (see holdTickObjectShape).
  holdTickObjectShape()
  const config = loadConfigOrExit('world-mappers', () => loadConfig())
  const logger = createServiceLogger({ level: config.logLevel })
  const telemetry = createServiceTelemetry(config.telemetry)

  const started = performance.now()
  const gazetteer = loadGazetteer(config.placesFile ? { placesFile: config.placesFile } : {})
  gazetteer.catch(() => {})
  const app = await buildApp({
    issuer: config.issuer,
    audience: config.audience,
    ...(config.jwksUri ? { jwksUri: config.jwksUri } : {}),
    dpop: { mode: config.dpopMode },
    gazetteer,
    depot: config.depot,
    telemetry,
    logger,
  })
  // Before listening: a signal during start-up (the index takes seconds to load)
  // must close gracefully too, not kill the process with 143.
  exitGracefully(logger, async () => {
    await app.close()
    await telemetry.shutdown()
  })
  await listenOrExit('world-mappers', app, { port: config.port, host: config.host })

  let places: Awaited<typeof gazetteer>
  try {
    places = await gazetteer
  } catch (error) {
    const where = config.placesFile ? ` (PLACES_FILE=${config.placesFile})` : ''
    fail(`cannot load places${where}: ${(error as Error).message}`)
  }
  if (!places.geocode(config.depot, 1)[0]) {
    fail(`invalid configuration: DEPOT: no place is named ${JSON.stringify(config.depot)}`)
  }
  logger.info(
    { places: places.size, loadMs: Math.round(performance.now() - started), issuer: config.issuer },
    'world-mappers ready',
  )
}

await main()

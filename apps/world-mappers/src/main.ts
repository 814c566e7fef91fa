import { createServiceLogger } from '@m2m/auth'
import { exitGracefully, failStartup } from '@m2m/service-kit'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { loadGazetteer } from './geo/gazetteer.js'

function fail(message: string): never {
  return failStartup('world-mappers', message)
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`)
    throw error
  }
  const logger = createServiceLogger({ level: config.logLevel })

  const started = performance.now()
  const gazetteer = loadGazetteer(config.placesFile ? { placesFile: config.placesFile } : {})
  gazetteer.catch(() => {})
  const app = await buildApp({
    issuer: config.issuer,
    audience: config.audience,
    gazetteer,
    depot: config.depot,
    logger,
  })
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    fail(
      code === 'EADDRINUSE'
        ? `port ${config.port} is already in use (PORT)`
        : (error as Error).message,
    )
  }

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

  exitGracefully(logger, () => app.close())
}

await main()

import {
  exitGracefully,
  failStartup,
  holdTickObjectShape,
  listenOrExit,
  loadConfigOrExit,
} from '@m2m/service-kit'
import { loadConfig } from './config.js'
import { ServiceStartError } from './errors.js'
import { createService } from './service.js'

async function main(): Promise<void> {
  holdTickObjectShape()
  const config = loadConfigOrExit('gift-deliveries', () => loadConfig())
  const service = await createService(config).catch((error: unknown) => {
    if (error instanceof ServiceStartError) return failStartup('gift-deliveries', error.message)
    throw error
  })
  await listenOrExit('gift-deliveries', service.app, { port: config.port, host: config.host })
  service.start()
  service.logger.info(
    {
      issuer: config.issuer,
      worldMappers: config.worldMappersUrl,
      store: config.databaseUrl ? 'postgresql' : 'pglite',
      tokenCache: service.tokenCache ? service.tokenCache.metrics.state : 'memory',
    },
    'gift-deliveries ready',
  )
  exitGracefully(service.logger, () => service.close(), 15_000)
}

await main()

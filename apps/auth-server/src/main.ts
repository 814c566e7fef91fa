import { createServiceLogger } from '@m2m/auth'
import {
  exitGracefully,
  failStartup,
  holdTickObjectShape,
  listenOrExit,
  loadConfigOrExit,
} from '@m2m/service-kit'
import { loadConfig } from './config.js'
import { dashboardBaseUrl, dashboardLines } from './dashboard/dashboard-url.js'
import { createAuthServer } from './server.js'

function fail(message: string): never {
  return failStartup('auth-server', message)
}

async function main(): Promise<void> {
  holdTickObjectShape()
  const config = loadConfigOrExit('auth-server', () => loadConfig())
  const logger = createServiceLogger({ level: config.logLevel })
  let server: Awaited<ReturnType<typeof createAuthServer>>
  try {
    server = await createAuthServer(config, logger)
  } catch (error) {
    fail(`cannot start: ${(error as Error).message}`)
  }
  const { app, newSecrets, ignoredSections, clientSecretsFile, dashboardLoginPath } = server
  // Before listening: a signal as soon as the port answers must close gracefully too.
  exitGracefully(logger, () => app.close())

  await listenOrExit('auth-server', app, { port: config.port, host: config.host })

  if (newSecrets.length > 0) {
    // Shown once, on the terminal only: never through the logger, never stored in plain text.
    process.stdout.write(
      '\nClient secrets generated for this tenant (shown once, store them now):\n',
    )
    for (const s of newSecrets) {
      process.stdout.write(
        `  ${s.clientName}: client_id=${s.clientId} client_secret=${s.clientSecret}\n`,
      )
    }
    if (clientSecretsFile) {
      process.stdout.write(`They are kept, with every other client's, in ${clientSecretsFile}\n`)
    }
    process.stdout.write('\n')
  }
  if (config.dashboard.enabled) {
    const base = dashboardBaseUrl(config.host, config.port)
    process.stdout.write(`${dashboardLines(base, dashboardLoginPath).join('\n')}\n`)
  }
  if (ignoredSections.length > 0) {
    logger.info(
      { ignoredSections },
      'tenant file: these sections are not read by the local tenant (nothing M2M in them)',
    )
  }
  logger.info(
    { issuer: config.issuer, tenantFile: config.tenantFile, dataDir: config.dataDir },
    'auth-server ready',
  )
}

await main()

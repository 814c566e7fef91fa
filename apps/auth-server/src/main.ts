import { createServiceLogger } from '@m2m/auth'
import { ConfigError, loadConfig } from './config.js'
import { createAuthServer } from './server.js'

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`auth-server: invalid configuration: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  const logger = createServiceLogger({ level: config.logLevel })
  let server: Awaited<ReturnType<typeof createAuthServer>>
  try {
    server = await createAuthServer(config, logger)
  } catch (error) {
    process.stderr.write(`auth-server: cannot start: ${(error as Error).message}\n`)
    process.exit(1)
  }
  const { app, newSecrets } = server

  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why =
      code === 'EADDRINUSE'
        ? `port ${config.port} is already in use (PORT)`
        : (error as Error).message
    process.stderr.write(`auth-server: cannot listen: ${why}\n`)
    process.exit(1)
  }

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
    process.stdout.write('\n')
  }
  logger.info(
    { issuer: config.issuer, tenantFile: config.tenantFile, dataDir: config.dataDir },
    'auth-server ready',
  )

  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down: finishing in-flight requests')
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    await app.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
}

await main()

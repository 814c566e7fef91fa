import { readFileSync } from 'node:fs'
import { createServiceLogger } from '@m2m/auth'
import { ConfigError, exitGracefully, failStartup, listenOrExit } from '@m2m/service-kit'
import { CommanderError } from 'commander'
import { type AuthServerConfig, devTenantFile } from '../config.js'
import { dashboardBaseUrl, dashboardLines } from '../dashboard/dashboard-url.js'
import { type AuthServer, createAuthServer } from '../server.js'
import { summarizeTenant } from '../tenant/tenant-summary.js'
import { formatBanner } from './banner.js'
import { createStandaloneProgram, type StandaloneFlags, standaloneConfig } from './options.js'

// The `m2m-tenant` bin (bin/m2m-tenant.js runs the built copy of this file):
// the local tenant on a user's own tenant.yaml, configured by flags over the
// variables the server reads.

const NAME = 'm2m-tenant'

function packageVersion(): string {
  // src/standalone/ and dist/standalone/ are both two levels below the package.
  const manifest = new URL('../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

/** Parses the command line; exits 0 after --help/--version, 2 on a usage error. */
function parseFlags(argv: readonly string[], version: string): StandaloneFlags {
  const program = createStandaloneProgram(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: () => {},
    })
  try {
    program.parse([...argv], { from: 'user' })
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
      process.exit(0)
    }
    process.stderr.write(`${NAME}: ${error.message.replace(/^error: /, '')} (see --help)\n`)
    process.exit(2)
  }
  return program.opts<StandaloneFlags>()
}

async function main(): Promise<void> {
  const version = packageVersion()
  const flags = parseFlags(process.argv.slice(2), version)
  let config: AuthServerConfig
  try {
    config = await standaloneConfig(flags, process.env, process.cwd())
  } catch (error) {
    const prefix = error instanceof ConfigError ? 'invalid configuration: ' : ''
    failStartup(NAME, `${prefix}${(error as Error).message}`)
  }
  const logger = createServiceLogger({ level: config.logLevel })
  let server: AuthServer
  try {
    server = await createAuthServer(config, logger)
  } catch (error) {
    failStartup(NAME, `cannot start: ${(error as Error).message}`)
  }
  // Before listening: a signal as soon as the port answers must close gracefully too.
  exitGracefully(logger, () => server.app.close())
  await listenOrExit(NAME, server.app, { port: config.port, host: config.host })

  process.stdout.write(
    formatBanner({
      version,
      issuer: config.issuer,
      tenantFile:
        config.tenantFile === devTenantFile
          ? `${config.tenantFile} (the dev tenant: its secrets are public)`
          : config.tenantFile,
      dataDir: config.dataDir,
      clientSecretsFile: server.clientSecretsFile,
      summary: summarizeTenant(server.state),
      ignoredSections: server.ignoredSections,
      newSecrets: server.newSecrets,
      dashboard: config.dashboard.enabled
        ? dashboardLines(dashboardBaseUrl(config.host, config.port), server.dashboardLoginPath)
        : [],
    }),
  )
}

await main()

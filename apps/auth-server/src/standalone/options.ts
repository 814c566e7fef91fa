import { resolve } from 'node:path'
import { ConfigError } from '@m2m/service-kit'
import { Command } from 'commander'
import { type AuthServerConfig, loadConfig } from '../config.js'
import { freePort } from '../free-port.js'
import { readKeywordMappingsArgument } from '../tenant/read-tenant-text.js'

/** The data directory of the bin when neither `--data-dir` nor `DATA_DIR` says (relative to the working directory). */
export const STANDALONE_DATA_DIR = '.m2m-tenant'

/** The flags as commander gives them. */
export interface StandaloneFlags {
  tenant?: string
  port?: string
  host?: string
  issuer?: string
  dataDir?: string
  keywordMappings?: string
}

/** Each flag and the variable of `src/config.ts` it stands for (and wins over). */
const FLAG_OF = {
  TENANT_FILE: '--tenant',
  PORT: '--port',
  HOST: '--host',
  ISSUER_BASE_URL: '--issuer',
  DATA_DIR: '--data-dir',
  AUTH0_KEYWORD_REPLACE_MAPPINGS: '--keyword-mappings',
} as const

const MORE_HELP = `
Each flag wins over the variable named beside it; the other variables of the
local tenant apply as they are (see its README):
  TOKEN_RATE_LIMIT_PER_SECOND, TOKEN_RATE_LIMIT_BURST, TOKEN_RATE_LIMIT_PER_IP,
  MANAGEMENT_API_RATE_LIMIT_PER_SECOND, MANAGEMENT_API_RATE_LIMIT_BURST,
  TENANT_PLAN, DPOP_REQUIRE_NONCE, AUTH_SERVER_TEST_CONTROLS, LOG_LEVEL

Client ids and secrets (a Deploy CLI export has none: they are generated at the
first start and kept) are in <data dir>/client-secrets.env, as env lines the m2m
CLI reads with --env-file and --profile <CLIENT NAME>.

Exit codes: 0 stopped by SIGINT/SIGTERM (in-flight requests finished),
1 could not start (configuration, tenant file, port), 2 usage.

Examples:
  $ m2m-tenant --tenant ./tenant.yaml --port 4000 --data-dir ./.m2m-tenant
  $ AUTH0_KEYWORD_REPLACE_MAPPINGS='{"ENV":"dev"}' m2m-tenant --tenant ./tenant.yaml
  $ m2m-tenant --tenant ./tenant.yaml --keyword-mappings ./keywords.local.json`

/** The `m2m-tenant` command line (parsing only: `main.ts` runs it). */
export function createStandaloneProgram(version: string): Command {
  return new Command('m2m-tenant')
    .description(
      'A local Auth0-compatible tenant from an Auth0 Deploy CLI tenant.yaml export: client ' +
        'credentials, JWKS, discovery, Management API v2. For development and tests.',
    )
    .version(version, '-V, --version')
    .option(
      '-t, --tenant <file>',
      'tenant.yaml (Deploy CLI export) or its JSON form (env TENANT_FILE; default: the dev tenant)',
    )
    .option('-p, --port <port>', 'port to listen on, 0 for any free one (env PORT; default 4000)')
    .option('--host <host>', 'address to listen on (env HOST; default 127.0.0.1)')
    .option(
      '--issuer <url>',
      'the iss of its tokens: the URL clients reach it at (env ISSUER_BASE_URL; default http://localhost:<port>/)',
    )
    .option(
      '-d, --data-dir <dir>',
      `signing keys, state, client-secrets.env; "" keeps all in memory (env DATA_DIR; default ./${STANDALONE_DATA_DIR})`,
    )
    .option(
      '-k, --keyword-mappings <json|file>',
      '##KEYWORD## values: a JSON object, or a JSON file (env AUTH0_KEYWORD_REPLACE_MAPPINGS)',
    )
    .addHelpText('after', MORE_HELP)
    .allowExcessArguments(false)
}

/**
 * The tenant's configuration: the flags over the environment, read by the
 * app's own `loadConfig` (same checks, same defaults but the data directory's).
 * A wrong value throws a `ConfigError` naming the flag when it came from one.
 * `--port 0` (or `PORT=0`) picks a free port first, so the default issuer names it.
 */
export async function standaloneConfig(
  flags: StandaloneFlags,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<AuthServerConfig> {
  const overlay: Record<string, string> = {}
  if (flags.tenant !== undefined) overlay.TENANT_FILE = resolve(cwd, flags.tenant)
  if (flags.port !== undefined) overlay.PORT = flags.port
  if (flags.host !== undefined) overlay.HOST = flags.host
  if (flags.issuer !== undefined) overlay.ISSUER_BASE_URL = flags.issuer
  if (flags.dataDir !== undefined) {
    overlay.DATA_DIR = flags.dataDir === '' ? '' : resolve(cwd, flags.dataDir)
  } else if (env.DATA_DIR === undefined) {
    overlay.DATA_DIR = resolve(cwd, STANDALONE_DATA_DIR)
  }
  if (flags.keywordMappings !== undefined) {
    const mappings = await readKeywordMappingsArgument(flags.keywordMappings, cwd)
    overlay.AUTH0_KEYWORD_REPLACE_MAPPINGS = JSON.stringify(mappings)
  }

  const merged = { ...env, ...overlay }
  try {
    const config = loadConfig(merged)
    if (config.port !== 0) return config
    const port = await freePort(config.host)
    return loadConfig({ ...merged, PORT: String(port) })
  } catch (error) {
    throw error instanceof ConfigError ? namedAfterFlag(error, overlay) : error
  }
}

/** `PORT: must be …` → `--port: must be …` when the value came from `--port`. */
function namedAfterFlag(error: ConfigError, overlay: Record<string, string>): ConfigError {
  for (const [variable, flag] of Object.entries(FLAG_OF)) {
    if (overlay[variable] !== undefined && error.message.startsWith(`${variable}: `)) {
      return new ConfigError(flag, error.message.slice(variable.length + 2))
    }
  }
  return error
}

import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** How the stack runs each service: built code (`pnpm start`) or sources with reload (`pnpm dev`). */
export type RunMode = 'built' | 'dev'

export interface StackSettings {
  /** The repository's root directory. */
  root: string
  host: string
  ports: { authServer: number; worldMappers: number; giftDeliveries: number }
  /** `undefined` keeps each service's own default (`data/` in its directory); `''` keeps state in memory. */
  authServerDataDir: string | undefined
  giftDeliveriesDataDir: string | undefined
  logLevel: string | undefined
  /**
   * How gift-deliveries authenticates to the tenant: the dev client's secret, or the dev
   * tenant's secretless client with its key pair (apps/auth-server/tenants/dev/keys).
   */
  giftDeliveriesClientAuth: 'client_secret' | 'private_key_jwt'
  /** REQUIRE_DPOP: world-mappers takes only DPoP-bound tokens, and gift-deliveries asks for them. */
  requireDpop: boolean
}

/** The dev tenant's secretless Gift Deliveries client and its LOCAL-ONLY private key. */
export const SECRETLESS_DEV_CLIENT_ID = 'gift-deliveries-keyed-dev'
export const SECRETLESS_DEV_KEY =
  'apps/auth-server/tenants/dev/keys/gift-deliveries-secretless.private.pem'

export interface ServiceSpec {
  name: 'auth-server' | 'world-mappers' | 'gift-deliveries'
  /** The variable that sets the service's port for the stack (and in docker compose). */
  portVariable: string
  port: number
  dir: string
  env: Record<string, string>
  /** Where a human starts: the page the banner shows. */
  landing: string
}

/** The public base URL of a service started on `port`. */
export function serviceUrl(port: number): string {
  return `http://localhost:${port}`
}

/**
 * The three services, in start order, each with the environment that points it
 * at the others. The tenant comes first: the others verify its tokens.
 */
export function describeServices(settings: StackSettings): ServiceSpec[] {
  const issuer = `${serviceUrl(settings.ports.authServer)}/`
  const common: Record<string, string> = { HOST: settings.host, ISSUER_BASE_URL: issuer }
  if (settings.logLevel) common.LOG_LEVEL = settings.logLevel
  const dataDir = (value: string | undefined): Record<string, string> =>
    value === undefined ? {} : { DATA_DIR: value }
  return [
    {
      name: 'auth-server',
      portVariable: 'AUTH_SERVER_PORT',
      port: settings.ports.authServer,
      dir: join(settings.root, 'apps/auth-server'),
      env: {
        ...common,
        PORT: String(settings.ports.authServer),
        ...dataDir(settings.authServerDataDir),
      },
      landing: `${issuer}.well-known/openid-configuration`,
    },
    {
      name: 'world-mappers',
      portVariable: 'WORLD_MAPPERS_PORT',
      port: settings.ports.worldMappers,
      dir: join(settings.root, 'apps/world-mappers'),
      env: {
        ...common,
        PORT: String(settings.ports.worldMappers),
        ...(settings.requireDpop ? { REQUIRE_DPOP: 'true' } : {}),
      },
      landing: `${serviceUrl(settings.ports.worldMappers)}/docs`,
    },
    {
      name: 'gift-deliveries',
      portVariable: 'GIFT_DELIVERIES_PORT',
      port: settings.ports.giftDeliveries,
      dir: join(settings.root, 'apps/gift-deliveries'),
      env: {
        ...common,
        PORT: String(settings.ports.giftDeliveries),
        WORLD_MAPPERS_URL: serviceUrl(settings.ports.worldMappers),
        ...dataDir(settings.giftDeliveriesDataDir),
        ...(settings.giftDeliveriesClientAuth === 'private_key_jwt'
          ? {
              AUTH0_CLIENT_ID: SECRETLESS_DEV_CLIENT_ID,
              AUTH0_CLIENT_ASSERTION_SIGNING_KEY: join(settings.root, SECRETLESS_DEV_KEY),
            }
          : {}),
        // world-mappers takes only DPoP-bound tokens: gift-deliveries asks for them.
        ...(settings.requireDpop ? { AUTH0_DPOP: 'true' } : {}),
      },
      landing: `${serviceUrl(settings.ports.giftDeliveries)}/docs`,
    },
  ]
}

/** The command that runs a service: its built `dist/main.js`, or its sources under `tsx watch`. */
export function serviceCommand(spec: ServiceSpec, mode: RunMode): string[] {
  // V8's young generation capped where Node 20 sizes it: Node 24 lets it grow to 128 MiB
  // under load, ~100 MiB more RSS per service for no throughput gained (as the Dockerfile).
  const heap = '--max-semi-space-size=16'
  if (mode === 'built') return [heap, '--enable-source-maps', 'dist/main.js']
  const tsx = join(spec.dir, 'node_modules/tsx/dist/cli.mjs')
  return [heap, tsx, 'watch', '--clear-screen=false', '--conditions=@m2m/source', 'src/main.ts']
}

/**
 * The dev tenant's Storefront credentials, for the banner's example: the
 * tenant's own keywords file, overridden the way the tenant overrides it
 * (`AUTH0_KEYWORD_REPLACE_MAPPINGS`).
 */
export function storefrontCredentials(
  root: string,
  env: NodeJS.ProcessEnv,
): { clientId: string; clientSecret: string } {
  const keywords = JSON.parse(
    readFileSync(join(root, 'apps/auth-server/tenants/dev/keywords.json'), 'utf8'),
  ) as Record<string, string>
  let overrides: Record<string, unknown> = {}
  try {
    overrides = JSON.parse(env.AUTH0_KEYWORD_REPLACE_MAPPINGS ?? '{}') as Record<string, unknown>
  } catch {
    // The tenant itself refuses malformed mappings at start and names the variable.
  }
  const pick = (name: string) =>
    typeof overrides[name] === 'string' ? (overrides[name] as string) : (keywords[name] ?? '')
  return {
    clientId: pick('STOREFRONT_CLIENT_ID'),
    clientSecret: pick('STOREFRONT_CLIENT_SECRET'),
  }
}

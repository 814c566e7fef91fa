import { fileURLToPath } from 'node:url'
import {
  ConfigError,
  readFlag,
  readHttpUrl,
  readInteger,
  readIssuer,
  readLogLevel,
} from '@m2m/service-kit'
import {
  readPackageVersion,
  readTelemetryConfig,
  type TelemetryConfig,
} from '@m2m/service-kit/telemetry'

/** The service's configuration; `loadConfig` is the only reader of `process.env`. */
export interface WorldMappersConfig {
  port: number
  host: string
  /** The token issuer, ending with `/` (Auth0 issuers do). */
  issuer: string
  audience: string
  /** Where to fetch the issuer's keys when not `<issuer>.well-known/jwks.json` (a private network name). */
  jwksUri: string | undefined
  /** The operator's own places (YAML or JSON). */
  placesFile: string | undefined
  /** Name of the place directions start from when no origin is given. */
  depot: string
  logLevel: string
  /**
   * `REQUIRE_DPOP`: `'required'` accepts only DPoP-bound tokens with a proof
   * (RFC 9449) and refuses Bearer tokens; `'allowed'` (default) takes both.
   */
  dpopMode: 'required' | 'allowed'
  /** OpenTelemetry: service name, OTLP endpoints (none by default: `/metrics` only). */
  telemetry: TelemetryConfig
}

export const devPlacesFile = fileURLToPath(new URL('../config/places.yaml', import.meta.url))

export { ConfigError }

/** Reads and validates the environment; a wrong value throws a `ConfigError` naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorldMappersConfig {
  return {
    port: readInteger(env, 'PORT', 7001),
    host: env.HOST || '127.0.0.1',
    issuer: readIssuer(env, 'http://localhost:4000/'),
    audience: env.AUDIENCE || 'urn:worldmappers',
    jwksUri: env.JWKS_URI ? readHttpUrl(env, 'JWKS_URI', '') : undefined,
    placesFile: env.PLACES_FILE === '' ? undefined : (env.PLACES_FILE ?? devPlacesFile),
    depot: env.DEPOT || 'North Pole Depot',
    logLevel: readLogLevel(env),
    dpopMode: readFlag(env, 'REQUIRE_DPOP') ? 'required' : 'allowed',
    telemetry: readTelemetryConfig(env, {
      name: 'world-mappers',
      version: readPackageVersion(import.meta.url),
    }),
  }
}

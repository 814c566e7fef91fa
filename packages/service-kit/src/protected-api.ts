import { type M2mAuthDpopOptions, m2mAuth } from '@m2m/auth/fastify'
import type { TokenVerifier } from '@m2m/auth/verify'
import type { MeterProvider, TracerProvider } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'

// Routes of a protected API name their scopes (`config.scopes`) and read `request.auth`:
// re-exported so that those declarations come with this module.
export type { RequestAuth, RouteScopes } from '@m2m/auth/fastify'

/** Whose tokens a service accepts. */
export interface ProtectedApiOptions {
  issuer: string
  audience: string
  /** The issuer's JWKS when not at `<issuer>.well-known/jwks.json`. */
  jwksUri?: string
  /** For tests: verify with this instead of the issuer's JWKS. */
  verifier?: TokenVerifier
  /**
   * DPoP (RFC 9449) sender-constrained tokens: `{ mode: 'required' }` refuses
   * Bearer tokens. Default: the plugin's (`'allowed'`: Bearer and DPoP).
   */
  dpop?: M2mAuthDpopOptions
  /**
   * Where the plugin's and its verifier's metrics and spans go (401/403 by
   * reason, verifications, JWKS fetches): an app's `telemetry.providers`.
   * Default: the global providers of `@opentelemetry/api`.
   */
  telemetry?: { meterProvider?: MeterProvider; tracerProvider?: TracerProvider }
}

/**
 * Registers `routes` in a scope where every request needs a valid access token
 * for `audience` (and the scopes each route names), answering 401/403 with
 * `WWW-Authenticate` whose realm is the audience.
 */
export async function registerProtectedApi(
  app: FastifyInstance,
  options: ProtectedApiOptions,
  routes: (api: FastifyInstance) => Promise<void>,
): Promise<void> {
  await app.register(async (api) => {
    await api.register(m2mAuth, {
      ...(options.verifier
        ? { verifier: options.verifier }
        : {
            issuer: options.issuer,
            audience: options.audience,
            ...(options.jwksUri ? { jwksUri: options.jwksUri } : {}),
          }),
      realm: options.audience,
      ...(options.dpop ? { dpop: options.dpop } : {}),
      // Only the two providers: the plugin refuses an option with other keys.
      ...(options.telemetry
        ? {
            telemetry: {
              ...(options.telemetry.meterProvider
                ? { meterProvider: options.telemetry.meterProvider }
                : {}),
              ...(options.telemetry.tracerProvider
                ? { tracerProvider: options.telemetry.tracerProvider }
                : {}),
            },
          }
        : {}),
    })
    await routes(api)
  })
}

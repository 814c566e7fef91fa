import { ConfigError, readFlag, readInteger, readLogLevel } from '@m2m/service-kit'
import type { StackSettings } from './services.js'

/**
 * The stack's settings from its environment. The port variables are the ones
 * docker compose publishes, so both ways of running agree.
 */
export function readStackSettings(root: string, env: NodeJS.ProcessEnv): StackSettings {
  return {
    root,
    host: env.HOST || '127.0.0.1',
    ports: {
      authServer: readInteger(env, 'AUTH_SERVER_PORT', 4000, 1),
      worldMappers: readInteger(env, 'WORLD_MAPPERS_PORT', 7001, 1),
      giftDeliveries: readInteger(env, 'GIFT_DELIVERIES_PORT', 3000, 1),
    },
    authServerDataDir: env.AUTH_SERVER_DATA_DIR,
    giftDeliveriesDataDir: env.GIFT_DELIVERIES_DATA_DIR,
    logLevel: env.LOG_LEVEL ? readLogLevel(env) : undefined,
    giftDeliveriesClientAuth: readClientAuthMode(env),
    requireDpop: readFlag(env, 'REQUIRE_DPOP'),
  }
}

/** GIFT_DELIVERIES_CLIENT_AUTH: `client_secret` (default) or `private_key_jwt` (secretless). */
function readClientAuthMode(env: NodeJS.ProcessEnv): StackSettings['giftDeliveriesClientAuth'] {
  const mode = env.GIFT_DELIVERIES_CLIENT_AUTH || 'client_secret'
  if (mode !== 'client_secret' && mode !== 'private_key_jwt') {
    throw new ConfigError('GIFT_DELIVERIES_CLIENT_AUTH', 'must be client_secret or private_key_jwt')
  }
  return mode
}

import type { FastifyInstance } from 'fastify'
import { DPOP_SIGNING_ALGS } from '../dpop/token-endpoint-dpop.js'
import type { KeyRing } from '../keys/key-ring.js'
import { CLIENT_ASSERTION_ALGS } from '../tenant/model.js'

/** `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`. */
export async function wellKnownRoutes(
  app: FastifyInstance,
  opts: { issuer: string; keys: KeyRing },
) {
  const { issuer, keys } = opts
  const discovery = Object.freeze({
    issuer,
    token_endpoint: `${issuer}oauth/token`,
    jwks_uri: `${issuer}.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    response_types_supported: ['token'],
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ],
    id_token_signing_alg_values_supported: ['RS256'],
    // The algorithms of private_key_jwt assertions (a credential's alg).
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    // RFC 9449 §5.1: the algorithms of DPoP proofs the token endpoint takes.
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
    subject_types_supported: ['public'],
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'iat',
      'exp',
      'scope',
      'azp',
      'gty',
      'org_id',
      'org_name',
      'cnf',
    ],
  })

  app.get('/.well-known/openid-configuration', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=15, stale-while-revalidate=15')
    return discovery
  })

  app.get('/.well-known/jwks.json', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=15, stale-while-revalidate=15')
    return keys.jwks()
  })
}

import { fileURLToPath } from 'node:url'
import { MANAGEMENT_API_SCOPES } from '../../src/management/management-api-scopes.js'
import { hashSecret } from '../../src/secrets.js'
import type { Client, ClientGrant, Tenant } from '../../src/tenant/model.js'

export const ISSUER = 'http://auth.test/'
export const MANAGEMENT_AUDIENCE = `${ISSUER}api/v2/`
/** Every scope of the local Management API: the admin client of the test tenant is granted them all. */
export const MANAGEMENT_SCOPES = [...MANAGEMENT_API_SCOPES]

/** Client id -> secret of the test tenant. */
export const secrets: Record<string, string> = {
  'gift-deliveries': 'gift-deliveries-secret-0123456789abcdefghijklmnop',
  storefront: 'storefront-secret-0123456789abcdefghijklmnopqrstu',
  admin: 'admin-secret-0123456789abcdefghijklmnopqrstuvwxyz01',
  limited: 'limited-secret-0123456789abcdefghijklmnopqrstuvwxy',
  banned: 'banned-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  interactive: 'interactive-secret-0123456789abcdefghijklmnopqrs',
  quota: 'quota-secret-0123456789abcdefghijklmnopqrstuvwxyz0',
  exploding: 'exploding-secret-0123456789abcdefghijklmnopqrstuvw',
  rfc9068: 'rfc9068-secret-0123456789abcdefghijklmnopqrstuvwxy',
}

const action = (name: string) =>
  fileURLToPath(new URL(`../fixtures/actions/${name}`, import.meta.url))

/** A tenant built in code (the tenant-file loader has its own tests). */
export async function buildTestTenant(options: { withActions?: boolean } = {}): Promise<Tenant> {
  const client = async (
    client_id: string,
    name: string,
    extra: Partial<Client> = {},
  ): Promise<Client> => ({
    client_id,
    name,
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_post',
    client_metadata: {},
    client_secret_hash: await hashSecret(secrets[client_id] as string),
    ...extra,
  })
  const grant = (
    id: string,
    client_id: string,
    audience: string,
    scope: string[],
    extra: Partial<ClientGrant> = {},
  ): ClientGrant => ({
    id,
    client_id,
    audience,
    scope,
    ...extra,
  })
  return {
    settings: { friendly_name: 'test', allow_organization_name_in_authentication_api: true },
    resourceServers: [
      {
        id: 'rs_world',
        name: 'World Mappers API',
        identifier: 'urn:worldmappers',
        scopes: [
          { value: 'geocode:location' },
          { value: 'reverse-geocode:location' },
          { value: 'directions' },
        ],
        signing_alg: 'RS256',
        token_lifetime: 86_400,
        token_dialect: 'access_token',
      },
      {
        id: 'rs_gifts',
        name: 'Gift Deliveries API',
        identifier: 'urn:gift-deliveries',
        scopes: [{ value: 'create:deliveries' }, { value: 'read:deliveries' }],
        signing_alg: 'RS256',
        token_lifetime: 7_200,
        token_dialect: 'rfc9068_profile',
      },
      {
        id: 'rs_mgmt',
        name: 'Auth0 Management API',
        identifier: MANAGEMENT_AUDIENCE,
        scopes: MANAGEMENT_SCOPES.map((value) => ({ value })),
        signing_alg: 'RS256',
        token_lifetime: 86_400,
        token_dialect: 'access_token',
        is_system: true,
      },
    ],
    clients: [
      await client('gift-deliveries', 'Gift Deliveries'),
      await client('storefront', 'Storefront', {
        token_endpoint_auth_method: 'client_secret_basic',
      }),
      await client('admin', 'Tenant Admin'),
      await client('limited', 'Limited Mapper'),
      await client('banned', 'Banned Device', { client_metadata: { banned: 'true' } }),
      await client('interactive', 'Web App', {
        app_type: 'regular_web',
        grant_types: ['authorization_code'],
      }),
      await client('quota', 'Quota Client', {
        token_quota: { client_credentials: { enforce: true, per_hour: 3 } },
      }),
      await client('exploding', 'Exploding', { client_metadata: { explode: 'throw' } }),
      await client('rfc9068', 'RFC 9068 Client'),
    ],
    clientGrants: [
      grant(
        'cgr_gifts',
        'gift-deliveries',
        'urn:worldmappers',
        ['geocode:location', 'reverse-geocode:location', 'directions'],
        {
          organization_usage: 'allow',
        },
      ),
      grant(
        'cgr_store',
        'storefront',
        'urn:gift-deliveries',
        ['create:deliveries', 'read:deliveries'],
        {
          organization_usage: 'require',
          allow_any_organization: true,
        },
      ),
      grant('cgr_admin', 'admin', MANAGEMENT_AUDIENCE, MANAGEMENT_SCOPES),
      grant('cgr_limited', 'limited', 'urn:worldmappers', ['reverse-geocode:location']),
      grant('cgr_banned', 'banned', 'urn:worldmappers', ['geocode:location']),
      grant('cgr_interactive', 'interactive', 'urn:worldmappers', ['geocode:location']),
      grant('cgr_quota', 'quota', 'urn:worldmappers', ['directions']),
      grant('cgr_exploding', 'exploding', 'urn:worldmappers', ['directions']),
      grant('cgr_rfc', 'rfc9068', 'urn:gift-deliveries', ['read:deliveries']),
    ],
    organizations: [
      {
        id: 'org_acme',
        name: 'acme',
        display_name: 'Acme Inc.',
        metadata: {},
        client_grant_ids: ['cgr_gifts'],
      },
      { id: 'org_other', name: 'other', display_name: 'Other', metadata: {}, client_grant_ids: [] },
    ],
    actions:
      options.withActions === false
        ? []
        : [
            {
              name: 'deny-banned',
              modulePath: action('deny-banned.mjs'),
              secrets: {},
              dependencies: [],
            },
            { name: 'throws', modulePath: action('throws.cjs'), secrets: {}, dependencies: [] },
          ],
    users: [{ user_id: 'auth0|1', email: 'ada@example.com', name: 'Ada' }],
  }
}

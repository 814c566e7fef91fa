import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { PublicKeyCredentialInput } from '../credentials/public-key-credential.js'
import { generateClientId, generateClientSecret, hashGeneratedSecret } from '../secrets.js'
import type { TenantState } from '../state/tenant-state.js'
import {
  acceptsSecret,
  type Client,
  type ClientAuthenticationMethods,
  type TokenEndpointAuthMethod,
  usesPrivateKeyJwt,
} from '../tenant/model.js'
import {
  normalizeTokenQuota,
  type TokenQuotaInput,
  tokenQuotaSchema,
} from '../tenant/token-quota-config.js'
import { AUTH0_CLIENT_FIELDS_STORED } from './auth0-client-fields.js'
import { credentialCreateBody, newCredentials } from './client-credentials.js'
import { type FieldsQuery, fieldsQuerySchema, selectFields } from './fields.js'
import { badBody, notFound } from './management-error.js'
import { type PagingQuery, page, pagingQuerySchema } from './paging.js'
import { patchBody, idParams as routeIdParams } from './route-schemas.js'
import { splitStoredFields, storedFieldsSchema, withStoredFields } from './stored-fields.js'

const clientBody = {
  name: { type: 'string', minLength: 1, maxLength: 256 },
  description: { type: 'string', maxLength: 140 },
  app_type: { enum: ['non_interactive', 'regular_web', 'spa', 'native'] },
  grant_types: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
  // null: none of these, as Auth0 asks when client_authentication_methods is set.
  token_endpoint_auth_method: {
    enum: ['client_secret_post', 'client_secret_basic', 'none', null],
  },
  client_metadata: {
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 255 },
    maxProperties: 10,
  },
  default_organization: {
    type: ['object', 'null'],
    required: ['organization_id', 'flows'],
    additionalProperties: false,
    properties: {
      organization_id: { type: 'string', minLength: 1, maxLength: 64 },
      flows: { type: 'array', items: { enum: ['client_credentials'] }, uniqueItems: true },
    },
  },
  // Auth0's CreateTokenQuota / UpdateTokenQuota (`null` clears it, on update).
  token_quota: tokenQuotaSchema({ nullable: true, minProperties: true }),
} as const

/** Auth0's `client_authentication_methods` on create: the credentials themselves. */
const createAuthenticationMethods = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    private_key_jwt: {
      type: 'object',
      required: ['credentials'],
      additionalProperties: false,
      properties: {
        credentials: { type: 'array', minItems: 1, maxItems: 2, items: credentialCreateBody },
      },
    },
  },
} as const

/** On update: credentials created before, by id (`null` switches back to the secret). */
const updateAuthenticationMethods = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    private_key_jwt: {
      type: 'object',
      required: ['credentials'],
      additionalProperties: false,
      properties: {
        credentials: {
          type: 'array',
          minItems: 1,
          maxItems: 2,
          items: {
            type: 'object',
            required: ['id'],
            additionalProperties: false,
            properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
          },
        },
      },
    },
  },
} as const

type AuthenticationMethodsBody = {
  client_authentication_methods?: {
    private_key_jwt?: { credentials: Array<PublicKeyCredentialInput & { id?: string }> }
  } | null
  token_endpoint_auth_method?: TokenEndpointAuthMethod | null
}

const idParams = routeIdParams(128)

/** Auth0 takes a secret method or client_authentication_methods, not both. */
const bothMethods = () =>
  badBody(
    'body/token_endpoint_auth_method cannot be set while client_authentication_methods.private_key_jwt is: set client_authentication_methods to null to switch back to a secret',
  )

/**
 * The public view of a client: never its secret hash; its secret only with
 * `withSecret` (a token with `read:client_keys`, as on Auth0).
 */
export function clientView(client: Client, withSecret = false) {
  const {
    client_secret_hash: _hash,
    client_secret: secret,
    auth0_fields: stored,
    source: _source,
    secret_rotated_at: _rotated,
    credentials: _credentials,
    credentials_changed_at: _changed,
    client_authentication_methods: methods,
    ...view
  } = client
  // Stored before private_key_jwt was modelled: the modelled value (or none) wins.
  const { client_authentication_methods: _stored, ...otherStored } = stored ?? {}
  return {
    // Stored fields first: what the tenant models wins.
    is_first_party: true,
    oidc_conformant: true,
    ...otherStored,
    ...view,
    // A private_key_jwt client has no secret method, as on Auth0.
    ...(acceptsSecret(client) ? {} : { token_endpoint_auth_method: null }),
    ...(methods ? { client_authentication_methods: methods } : {}),
    ...(withSecret && secret !== undefined ? { client_secret: secret } : {}),
  }
}

/** `/api/v2/clients`: list, create (the secret is returned once), get, update, delete, rotate-secret. */
export async function clientRoutes(app: FastifyInstance, opts: { state: TenantState }) {
  const { state } = opts

  app.get(
    '/clients',
    {
      config: { scopes: ['read:clients'] },
      schema: {
        querystring: {
          type: 'object',
          properties: { ...pagingQuerySchema, ...fieldsQuerySchema },
        },
      },
    },
    async (request) => {
      const withSecret = mayReadKeys(request)
      const query = request.query as PagingQuery & FieldsQuery
      return page(
        state.clients.map((client) => selectFields(clientView(client, withSecret), query)),
        query,
        'clients',
      )
    },
  )

  app.post(
    '/clients',
    {
      config: { scopes: ['create:clients'] },
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            ...storedFieldsSchema(AUTH0_CLIENT_FIELDS_STORED),
            ...clientBody,
            client_authentication_methods: createAuthenticationMethods,
          },
        },
      },
    },
    async (request, reply) => {
      const split = splitStoredFields(
        request.body as Record<string, unknown>,
        AUTH0_CLIENT_FIELDS_STORED,
      )
      const { client_authentication_methods: methods, ...body } = split.modelled as Omit<
        Partial<Client>,
        'client_authentication_methods' | 'token_endpoint_auth_method'
      > &
        AuthenticationMethodsBody & { name: string }
      // Credentials given with the client are created enabled for private_key_jwt.
      const given = methods?.private_key_jwt?.credentials
      if (given && body.token_endpoint_auth_method) throw bothMethods()
      const credentials = given
        ? newCredentials(
            given,
            [],
            (k) => `body/client_authentication_methods/private_key_jwt/credentials/${k}`,
          )
        : undefined
      const secret = generateClientSecret()
      const appType = body.app_type ?? 'non_interactive'
      const client: Client = {
        client_id: generateClientId(),
        name: body.name,
        ...(body.description !== undefined ? { description: body.description } : {}),
        app_type: appType,
        grant_types:
          body.grant_types ?? (appType === 'non_interactive' ? ['client_credentials'] : []),
        token_endpoint_auth_method: body.token_endpoint_auth_method ?? 'client_secret_post',
        client_metadata: body.client_metadata ?? {},
        ...(body.token_quota
          ? { token_quota: normalizeTokenQuota(body.token_quota as TokenQuotaInput) }
          : {}),
        ...(body.default_organization ? { default_organization: body.default_organization } : {}),
        client_secret_hash: hashGeneratedSecret(secret),
        client_secret: secret,
        ...(credentials && {
          credentials,
          client_authentication_methods: {
            private_key_jwt: { credentials: credentials.map(({ id }) => ({ id })) },
          },
        }),
        ...withStoredFields(split.stored),
        source: 'api',
      }
      await state.addClient(client)
      // A client created with keys refuses its secret: it is not shown (rotate it to switch back).
      return reply
        .code(201)
        .send(credentials ? clientView(client) : { ...clientView(client), client_secret: secret })
    },
  )

  app.get(
    '/clients/:id',
    {
      config: { scopes: ['read:clients'] },
      schema: {
        params: idParams,
        querystring: { type: 'object', properties: fieldsQuerySchema },
      },
    },
    async (request) => {
      const client = state.client((request.params as { id: string }).id)
      if (!client) throw notFound('client', 'inexistent_client')
      return selectFields(clientView(client, mayReadKeys(request)), request.query as FieldsQuery)
    },
  )

  app.patch(
    '/clients/:id',
    {
      config: { scopes: ['update:clients'] },
      schema: {
        params: idParams,
        body: patchBody({
          ...storedFieldsSchema(AUTH0_CLIENT_FIELDS_STORED),
          ...clientBody,
          client_authentication_methods: updateAuthenticationMethods,
        }),
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id
      const { stored, modelled } = splitStoredFields(
        request.body as Record<string, unknown>,
        AUTH0_CLIENT_FIELDS_STORED,
      )
      const current = state.client(id)
      if (!current) throw notFound('client', 'inexistent_client')
      const {
        client_authentication_methods: _methods,
        token_endpoint_auth_method: authMethod,
        ...rest
      } = modelled as Partial<Client> & AuthenticationMethodsBody
      const changes: Partial<Client> = {
        ...rest,
        // null keeps the secret method for a switch back: client_authentication_methods decides.
        ...(authMethod ? { token_endpoint_auth_method: authMethod } : {}),
        ...authenticationMethodsChange(current, modelled as AuthenticationMethodsBody),
        // null clears it, as on Auth0.
        ...((modelled as { default_organization?: unknown }).default_organization === null
          ? { default_organization: undefined }
          : {}),
        ...tokenQuotaChange((modelled as { token_quota?: TokenQuotaInput | null }).token_quota),
        ...withStoredFields(stored, current.auth0_fields),
      }
      const client = await state.updateClient(id, changes)
      if (!client) throw notFound('client', 'inexistent_client')
      return clientView(client)
    },
  )

  app.delete(
    '/clients/:id',
    { config: { scopes: ['delete:clients'] }, schema: { params: idParams } },
    async (request, reply) => {
      if (!(await state.deleteClient((request.params as { id: string }).id))) {
        throw notFound('client', 'inexistent_client')
      }
      return reply.code(204).send()
    },
  )

  app.post(
    '/clients/:id/rotate-secret',
    { config: { scopes: ['update:client_keys'] }, schema: { params: idParams } },
    async (request) => {
      const secret = generateClientSecret()
      const client = await state.updateClient((request.params as { id: string }).id, {
        client_secret_hash: hashGeneratedSecret(secret),
        client_secret: secret,
        secret_rotated_at: new Date().toISOString(),
      })
      if (!client) throw notFound('client', 'inexistent_client')
      return { ...clientView(client), client_secret: secret }
    },
  )
}

/**
 * What a PATCH does to the client's authentication: `client_authentication_methods`
 * with `private_key_jwt` enables the credentials it lists (created before with
 * `POST /clients/:id/credentials`) and refuses the secret from then on; `null`
 * (or `{}`) switches back to the secret. A secret method cannot be set while
 * private_key_jwt stays on, as on Auth0.
 */
function authenticationMethodsChange(
  client: Client,
  body: AuthenticationMethodsBody,
): Partial<Client> {
  const given = body.client_authentication_methods
  const privateKeyJwtAfter =
    given === undefined ? usesPrivateKeyJwt(client) : given?.private_key_jwt !== undefined
  if (body.token_endpoint_auth_method && privateKeyJwtAfter) throw bothMethods()
  if (given === undefined) return {}
  const changedAt = new Date().toISOString()
  const listed = given?.private_key_jwt?.credentials
  if (!listed)
    return { client_authentication_methods: undefined, credentials_changed_at: changedAt }
  const path = (k: number) =>
    `body/client_authentication_methods/private_key_jwt/credentials/${k}/id`
  listed.forEach(({ id }, k) => {
    if (!client.credentials?.some((credential) => credential.id === id)) {
      throw badBody(`${path(k)} names no credential of this client (${id})`)
    }
    if (listed.findIndex((other) => other.id === id) !== k)
      throw badBody(`${path(k)} is listed twice`)
  })
  const methods: ClientAuthenticationMethods = {
    private_key_jwt: { credentials: listed.map(({ id }) => ({ id: id as string })) },
  }
  return { client_authentication_methods: methods, credentials_changed_at: changedAt }
}

/** A PATCH's `token_quota`: replaced as a whole (`enforce` defaults to true), `null` clears it. */
function tokenQuotaChange(given: TokenQuotaInput | null | undefined): Partial<Client> {
  if (given === undefined) return {}
  return { token_quota: given === null ? undefined : normalizeTokenQuota(given) }
}

/** Whether the caller's token may read client secrets (`read:client_keys`). */
function mayReadKeys(request: FastifyRequest): boolean {
  return request.auth?.scopes.has('read:client_keys') ?? false
}

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { generateClientId, generateClientSecret, hashSecret } from '../secrets.js'
import type { TenantState } from '../state/tenant-state.js'
import type { Client } from '../tenant/model.js'
import { AUTH0_CLIENT_FIELDS_STORED } from './auth0-client-fields.js'
import { type FieldsQuery, fieldsQuerySchema, selectFields } from './fields.js'
import { notFound } from './management-error.js'
import { type PagingQuery, page, pagingQuerySchema } from './paging.js'
import { patchBody, idParams as routeIdParams } from './route-schemas.js'
import { splitStoredFields, storedFieldsSchema, withStoredFields } from './stored-fields.js'

const clientBody = {
  name: { type: 'string', minLength: 1, maxLength: 256 },
  description: { type: 'string', maxLength: 140 },
  app_type: { enum: ['non_interactive', 'regular_web', 'spa', 'native'] },
  grant_types: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
  token_endpoint_auth_method: { enum: ['client_secret_post', 'client_secret_basic', 'none'] },
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
  token_quota: {
    type: 'object',
    required: ['client_credentials'],
    additionalProperties: false,
    properties: {
      client_credentials: {
        type: 'object',
        additionalProperties: false,
        properties: {
          enforce: { type: 'boolean', default: true },
          per_hour: { type: 'integer', minimum: 1 },
          per_day: { type: 'integer', minimum: 1 },
        },
      },
    },
  },
} as const

const idParams = routeIdParams(128)

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
    ...view
  } = client
  return {
    // Stored fields first: what the tenant models wins.
    is_first_party: true,
    oidc_conformant: true,
    ...stored,
    ...view,
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
          properties: { ...storedFieldsSchema(AUTH0_CLIENT_FIELDS_STORED), ...clientBody },
        },
      },
    },
    async (request, reply) => {
      const split = splitStoredFields(
        request.body as Record<string, unknown>,
        AUTH0_CLIENT_FIELDS_STORED,
      )
      const body = split.modelled as Partial<Client> & { name: string }
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
        ...(body.token_quota ? { token_quota: body.token_quota } : {}),
        ...(body.default_organization ? { default_organization: body.default_organization } : {}),
        client_secret_hash: await hashSecret(secret),
        client_secret: secret,
        ...withStoredFields(split.stored),
        source: 'api',
      }
      await state.addClient(client)
      return reply.code(201).send({ ...clientView(client), client_secret: secret })
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
        body: patchBody({ ...storedFieldsSchema(AUTH0_CLIENT_FIELDS_STORED), ...clientBody }),
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id
      const { stored, modelled } = splitStoredFields(
        request.body as Record<string, unknown>,
        AUTH0_CLIENT_FIELDS_STORED,
      )
      const current = state.client(id)
      const changes: Partial<Client> = {
        ...(modelled as Partial<Client>),
        // null clears it, as on Auth0.
        ...((modelled as { default_organization?: unknown }).default_organization === null
          ? { default_organization: undefined }
          : {}),
        ...(current ? withStoredFields(stored, current.auth0_fields) : {}),
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
        client_secret_hash: await hashSecret(secret),
        client_secret: secret,
        secret_rotated_at: new Date().toISOString(),
      })
      if (!client) throw notFound('client', 'inexistent_client')
      return { ...clientView(client), client_secret: secret }
    },
  )
}

/** Whether the caller's token may read client secrets (`read:client_keys`). */
function mayReadKeys(request: FastifyRequest): boolean {
  return request.auth?.scopes.has('read:client_keys') ?? false
}

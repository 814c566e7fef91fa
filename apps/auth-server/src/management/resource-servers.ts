import type { FastifyInstance } from 'fastify'
import { proofOfPossessionSchema } from '../dpop/proof-of-possession.js'
import { ManagementError } from '../errors.js'
import { generateClientSecret, generateId } from '../secrets.js'
import type { TenantState } from '../state/tenant-state.js'
import { type ResourceServer, SIGNING_ALGS, TOKEN_DIALECTS } from '../tenant/model.js'
import { MAX_TOKEN_LIFETIME } from '../tenant/tenant-schema.js'
import { notFound } from './management-error.js'
import { type PagingQuery, page, pagingQuerySchema } from './paging.js'
import { patchBody, idParams as routeIdParams } from './route-schemas.js'
import { splitStoredFields, storedFieldsSchema, withStoredFields } from './stored-fields.js'

/**
 * Fields of an Auth0 API that the Management API takes (the `auth0` SDK 7.1's
 * `CreateResourceServerRequestContent`) but the local tenant does not act on:
 * stored as given and returned.
 */
const STORED_FIELDS = [
  'allow_offline_access',
  'allow_online_access',
  'allow_online_access_with_ephemeral_sessions',
  'token_lifetime_for_anonymous_access_tokens',
  'skip_consent_for_verifiable_first_party_clients',
  'enforce_policies',
  'token_encryption',
  'consent_policy',
  'authorization_details',
  'subject_type_authorization',
  'authorization_policy',
]

const modelledFields = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  scopes: {
    type: 'array',
    maxItems: 1_000,
    items: {
      type: 'object',
      required: ['value'],
      additionalProperties: false,
      properties: {
        value: { type: 'string', minLength: 1, maxLength: 280, pattern: '^\\S+$' },
        description: { type: 'string', maxLength: 500 },
      },
    },
  },
  signing_alg: { enum: [...SIGNING_ALGS] },
  signing_secret: { type: 'string', minLength: 16, maxLength: 1_000 },
  token_lifetime: { type: 'integer', minimum: 1, maximum: MAX_TOKEN_LIFETIME },
  token_dialect: { enum: [...TOKEN_DIALECTS] },
  // DPoP allowed or required (acted on); `null` removes it.
  proof_of_possession: proofOfPossessionSchema,
}

const bodyProperties = {
  ...storedFieldsSchema(STORED_FIELDS),
  ...modelledFields,
}

const idParams = routeIdParams(600)

type Body = Partial<Omit<ResourceServer, 'id' | 'is_system' | 'source' | 'proof_of_possession'>> & {
  proof_of_possession?: ResourceServer['proof_of_possession'] | null
} & Record<string, unknown>

/** The answer for an API: stored Auth0 fields, then what the tenant models. */
function resourceServerView(api: ResourceServer) {
  const { source: _source, auth0_fields: stored, ...view } = api
  return { ...stored, ...view }
}

const split = (body: Body) => {
  const { stored, modelled } = splitStoredFields(body, STORED_FIELDS)
  return { stored, modelled: modelled as Partial<Body> }
}

/**
 * `proof_of_possession` of a PATCH: set, or removed by `null`; an older copy
 * kept in `auth0_fields` (from before it was acted on) goes either way.
 */
function proofOfPossessionChange(
  body: Body,
  current: ResourceServer,
): { change: Partial<ResourceServer>; auth0Fields: Record<string, unknown> | undefined } {
  if (!('proof_of_possession' in body)) return { change: {}, auth0Fields: current.auth0_fields }
  const { proof_of_possession: _old, ...auth0Fields } = current.auth0_fields ?? {}
  return {
    change: {
      proof_of_possession: body.proof_of_possession ?? undefined,
      ...(current.auth0_fields ? { auth0_fields: auth0Fields } : {}),
    },
    auth0Fields,
  }
}

function checkScopes(scopes: ResourceServer['scopes'] | undefined): void {
  const seen = new Set<string>()
  for (const { value } of scopes ?? []) {
    if (seen.has(value)) throw badRequest(`scopes: duplicate scope ${value}`)
    seen.add(value)
  }
}

const badRequest = (message: string) =>
  new ManagementError(400, 'invalid_body', `Payload validation error: ${message}`)

/**
 * `/api/v2/resource-servers`: list, get (by id or identifier, as Auth0 takes
 * both), create, update, delete. The Management API itself (the system API)
 * can be read, not changed.
 */
export async function resourceServerRoutes(app: FastifyInstance, opts: { state: TenantState }) {
  const { state } = opts
  const find = (id: string) => state.resourceServer(id) ?? state.resourceServerByIdentifier(id)
  const changeable = (id: string) => {
    const api = find(id)
    if (!api) throw notFound('resource server', 'inexistent_resource_server')
    if (api.is_system) {
      throw new ManagementError(403, 'operation_not_supported', 'You cannot change a system API')
    }
    return api
  }

  app.get(
    '/resource-servers',
    {
      config: { scopes: ['read:resource_servers'] },
      schema: { querystring: { type: 'object', properties: { ...pagingQuerySchema } } },
    },
    async (request) =>
      page(
        state.resourceServers.map(resourceServerView),
        request.query as PagingQuery,
        'resource_servers',
      ),
  )

  app.get(
    '/resource-servers/:id',
    { config: { scopes: ['read:resource_servers'] }, schema: { params: idParams } },
    async (request) => {
      const api = find((request.params as { id: string }).id)
      if (!api) throw notFound('resource server', 'inexistent_resource_server')
      return resourceServerView(api)
    },
  )

  app.post(
    '/resource-servers',
    {
      config: { scopes: ['create:resource_servers'] },
      schema: {
        body: {
          type: 'object',
          required: ['identifier'],
          additionalProperties: false,
          properties: {
            identifier: { type: 'string', minLength: 1, maxLength: 600 },
            ...bodyProperties,
          },
        },
      },
    },
    async (request, reply) => {
      const { stored, modelled } = split(request.body as Body)
      const identifier = modelled.identifier as string
      if (state.resourceServerForAudience(identifier)) {
        throw new ManagementError(
          409,
          'resource_server_conflict',
          'A resource server with the same identifier already exists',
        )
      }
      checkScopes(modelled.scopes)
      const signingAlg = modelled.signing_alg ?? 'RS256'
      const api: ResourceServer = {
        id: generateId('rs'),
        name: modelled.name ?? identifier,
        identifier,
        scopes: modelled.scopes ?? [],
        signing_alg: signingAlg,
        ...(signingAlg === 'HS256'
          ? { signing_secret: modelled.signing_secret ?? generateClientSecret() }
          : {}),
        token_lifetime: modelled.token_lifetime ?? 86_400,
        token_dialect: modelled.token_dialect ?? 'access_token',
        ...(modelled.proof_of_possession
          ? { proof_of_possession: { ...modelled.proof_of_possession } }
          : {}),
        ...withStoredFields(stored),
        source: 'api',
      }
      await state.addResourceServer(api)
      return reply.code(201).send(resourceServerView(api))
    },
  )

  app.patch(
    '/resource-servers/:id',
    {
      config: { scopes: ['update:resource_servers'] },
      schema: {
        params: idParams,
        body: patchBody(bodyProperties),
      },
    },
    async (request) => {
      const api = changeable((request.params as { id: string }).id)
      const { stored, modelled } = split(request.body as Body)
      checkScopes(modelled.scopes)
      const signingAlg = modelled.signing_alg ?? api.signing_alg
      const { proof_of_possession: _pop, ...rest } = modelled
      const pop = proofOfPossessionChange(modelled, api)
      const changes: Partial<ResourceServer> = {
        ...rest,
        ...(signingAlg === 'HS256' && !modelled.signing_secret && !api.signing_secret
          ? { signing_secret: generateClientSecret() }
          : {}),
        ...pop.change,
        ...withStoredFields(stored, pop.auth0Fields),
      }
      return resourceServerView(
        (await state.updateResourceServer(api.id, changes)) as ResourceServer,
      )
    },
  )

  app.delete(
    '/resource-servers/:id',
    { config: { scopes: ['delete:resource_servers'] }, schema: { params: idParams } },
    async (request, reply) => {
      const api = changeable((request.params as { id: string }).id)
      await state.deleteResourceServer(api.id)
      return reply.code(204).send()
    },
  )
}

import type { FastifyInstance } from 'fastify'
import { ManagementError } from '../errors.js'
import { generateId } from '../secrets.js'
import type { TenantState } from '../state/tenant-state.js'
import type { ClientGrant } from '../tenant/model.js'
import { badBody, notFound } from './management-error.js'
import { type PagingQuery, page, pagingQuerySchema } from './paging.js'
import { patchBody, idParams as routeIdParams } from './route-schemas.js'

const scopeList = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  uniqueItems: true,
} as const
const grantFields = {
  allow_all_scopes: { type: 'boolean' },
} as const
const organizationFields = {
  organization_usage: { enum: ['deny', 'allow', 'require'] },
  allow_any_organization: { type: 'boolean' },
} as const
const idParams = routeIdParams(128)

/** `/api/v2/client-grants`: list (filters `audience`, `client_id`), create, update, delete. */
export async function clientGrantRoutes(app: FastifyInstance, opts: { state: TenantState }) {
  const { state } = opts

  function checkScopes(audience: string, scopes: string[]) {
    const api = state.resourceServerByIdentifier(audience)
    if (!api)
      throw new ManagementError(
        404,
        'inexistent_resource_server',
        'The resource server does not exist',
      )
    const known = new Set(api.scopes.map((s) => s.value))
    const unknown = scopes.filter((s) => !known.has(s))
    if (unknown.length > 0) badBodyThrow(`scopes not defined on ${audience}: ${unknown.join(', ')}`)
  }

  app.get(
    '/client-grants',
    {
      config: { scopes: ['read:client_grants'] },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            ...pagingQuerySchema,
            audience: { type: 'string' },
            client_id: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const query = request.query as PagingQuery & { audience?: string; client_id?: string }
      const grants = state.clientGrants.filter(
        (g) =>
          (query.audience === undefined || g.audience === query.audience) &&
          (query.client_id === undefined || g.client_id === query.client_id),
      )
      return page(grants.map(grantView), query, 'client_grants')
    },
  )

  app.post(
    '/client-grants',
    {
      config: { scopes: ['create:client_grants'] },
      schema: {
        body: {
          type: 'object',
          required: ['audience'],
          // A grant names its scopes, or allows all of the API's.
          anyOf: [{ required: ['scope'] }, { required: ['allow_all_scopes'] }],
          additionalProperties: false,
          properties: {
            client_id: { type: 'string', minLength: 1 },
            default_for: { enum: ['third_party_clients'] },
            subject_type: { enum: ['client', 'user'] },
            audience: { type: 'string', minLength: 1 },
            scope: scopeList,
            ...grantFields,
            ...organizationFields,
          },
        },
      },
    },
    async (request, reply) => {
      const { scope = [], ...rest } = request.body as Omit<
        ClientGrant,
        'id' | 'scope' | 'client_id'
      > & {
        scope?: string[]
        client_id?: string
      }
      const body = { ...rest, scope, client_id: rest.client_id ?? '' }
      // client_id and default_for exclude each other, and one is needed (Auth0's rule).
      if ((body.client_id === '') === (body.default_for === undefined)) {
        badBodyThrow('give client_id or default_for (one of them)')
      }
      if (body.client_id !== '' && !state.client(body.client_id)) {
        throw notFound('client', 'inexistent_client')
      }
      checkScopes(body.audience, body.scope)
      const taken = state.clientGrants.some(
        (g) =>
          g.audience === body.audience &&
          g.client_id === body.client_id &&
          g.default_for === body.default_for &&
          (g.subject_type ?? 'client') === (body.subject_type ?? 'client'),
      )
      if (taken) {
        throw new ManagementError(
          409,
          'client_grant_conflict',
          'A client grant for this client and audience already exists',
        )
      }
      const grant: ClientGrant = { id: generateId('cgr'), ...body, source: 'api' }
      await state.addClientGrant(grant)
      return reply.code(201).send(grantView(grant))
    },
  )

  app.patch(
    '/client-grants/:id',
    {
      config: { scopes: ['update:client_grants'] },
      schema: {
        params: idParams,
        body: patchBody({ scope: scopeList, ...grantFields, ...organizationFields }),
      },
    },
    async (request) => {
      const { id } = request.params as { id: string }
      const existing = state.clientGrant(id)
      if (!existing) throw notFound('client grant', 'inexistent_client_grant')
      const changes = request.body as Partial<ClientGrant>
      if (changes.scope) checkScopes(existing.audience, changes.scope)
      const updated = await state.updateClientGrant(id, changes)
      return updated && grantView(updated)
    },
  )

  app.delete(
    '/client-grants/:id',
    { config: { scopes: ['delete:client_grants'] }, schema: { params: idParams } },
    async (request, reply) => {
      if (!(await state.deleteClientGrant((request.params as { id: string }).id))) {
        throw notFound('client grant', 'inexistent_client_grant')
      }
      return reply.code(204).send()
    },
  )
}

/** The public view of a grant: without its internal provenance. */
export function grantView(grant: ClientGrant) {
  const { source: _source, client_id: clientId, ...view } = grant
  // A default grant has no client.
  return clientId === '' ? view : { client_id: clientId, ...view }
}

function badBodyThrow(message: string): never {
  throw badBody(message)
}

import type { FastifyInstance } from 'fastify'
import { ManagementError } from '../errors.js'
import { generateId } from '../secrets.js'
import type { TenantState } from '../state/tenant-state.js'
import type { Organization } from '../tenant/model.js'
import {
  normalizeTokenQuota,
  type TokenQuotaInput,
  tokenQuotaSchema,
} from '../tenant/token-quota-config.js'
import { grantView } from './client-grants.js'
import { notFound } from './management-error.js'
import { type PagingQuery, page, pagingQuerySchema } from './paging.js'
import { patchBody, idParams as routeIdParams } from './route-schemas.js'
import { splitStoredFields, storedFieldsSchema, withStoredFields } from './stored-fields.js'

/** Fields of an Auth0 organization the local tenant stores and returns without acting on them. */
const STORED_FIELDS = ['branding', 'enabled_connections']

/** Auth0's rule for organization names. */
const orgName = {
  type: 'string',
  minLength: 1,
  maxLength: 50,
  pattern: '^[a-z0-9](?:[a-z0-9_-]{0,48}[a-z0-9])?$',
} as const

const bodyProperties = {
  ...storedFieldsSchema(STORED_FIELDS),
  name: orgName,
  display_name: { type: 'string', minLength: 1, maxLength: 255 },
  metadata: {
    type: 'object',
    maxProperties: 25,
    additionalProperties: { type: 'string', maxLength: 255 },
  },
  // Auth0's fine-grained M2M token quota (`null` clears it, on update).
  token_quota: tokenQuotaSchema({ nullable: true, minProperties: true }),
}

const idParams = routeIdParams(64)

/** An organization as Auth0 answers it (without the grants it is tied to). */
function organizationView(org: Organization) {
  const { auth0_fields: stored, client_grant_ids: _grants, source: _source, ...view } = org
  return { ...stored, ...view }
}

const storedOf = (body: Record<string, unknown>, current?: Record<string, unknown>) =>
  withStoredFields(splitStoredFields(body, STORED_FIELDS).stored, current)

const conflict = () =>
  new ManagementError(409, 'organization_conflict', 'An organization with this name already exists')

/**
 * `/api/v2/organizations`: list, get by id or by name, create, update, delete,
 * and the client grants an organization may be used with.
 */
export async function organizationRoutes(app: FastifyInstance, opts: { state: TenantState }) {
  const { state } = opts
  const byId = (id: string) => {
    const org = state.organization(id, { byName: false })
    if (!org) throw notFound('organization', 'inexistent_organization')
    return org
  }

  app.get(
    '/organizations',
    {
      config: { scopes: ['read:organizations'] },
      schema: { querystring: { type: 'object', properties: { ...pagingQuerySchema } } },
    },
    async (request) =>
      page(
        state.organizations.map(organizationView),
        request.query as PagingQuery,
        'organizations',
      ),
  )

  app.get(
    '/organizations/:id',
    { config: { scopes: ['read:organizations'] }, schema: { params: idParams } },
    async (request) => organizationView(byId((request.params as { id: string }).id)),
  )

  app.get(
    '/organizations/name/:name',
    {
      config: { scopes: ['read:organizations'] },
      schema: {
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', maxLength: 50 } },
        },
      },
    },
    async (request) => {
      const { name } = request.params as { name: string }
      const org = state.organizationNamed(name)
      if (!org) throw notFound('organization', 'inexistent_organization')
      return organizationView(org)
    },
  )

  app.post(
    '/organizations',
    {
      config: { scopes: ['create:organizations'] },
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: bodyProperties,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        name: string
        display_name?: string
        metadata?: Record<string, string>
        token_quota?: TokenQuotaInput | null
      }
      if (state.organizations.some((o) => o.name === body.name)) throw conflict()
      const org: Organization = {
        id: generateId('org'),
        name: body.name,
        display_name: body.display_name ?? body.name,
        metadata: body.metadata ?? {},
        client_grant_ids: [],
        ...(body.token_quota ? { token_quota: normalizeTokenQuota(body.token_quota) } : {}),
        ...storedOf(body),
        source: 'api',
      }
      await state.addOrganization(org)
      return reply.code(201).send(organizationView(org))
    },
  )

  app.patch(
    '/organizations/:id',
    {
      config: { scopes: ['update:organizations'] },
      schema: {
        params: idParams,
        body: patchBody(bodyProperties),
      },
    },
    async (request) => {
      const org = byId((request.params as { id: string }).id)
      const body = request.body as Omit<Partial<Organization>, 'token_quota'> & {
        token_quota?: TokenQuotaInput | null
      } & Record<string, unknown>
      if (body.name !== undefined && body.name !== org.name) {
        if (state.organizations.some((o) => o.name === body.name)) throw conflict()
      }
      const changes: Partial<Organization> = {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.display_name === undefined ? {} : { display_name: body.display_name }),
        ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
        // Replaced as a whole (`enforce` defaults to true); null clears it.
        ...(body.token_quota === undefined
          ? {}
          : {
              token_quota:
                body.token_quota === null ? undefined : normalizeTokenQuota(body.token_quota),
            }),
        ...storedOf(body, org.auth0_fields),
      }
      return organizationView((await state.updateOrganization(org.id, changes)) as Organization)
    },
  )

  app.delete(
    '/organizations/:id',
    { config: { scopes: ['delete:organizations'] }, schema: { params: idParams } },
    async (request, reply) => {
      const org = byId((request.params as { id: string }).id)
      await state.deleteOrganization(org.id)
      return reply.code(204).send()
    },
  )

  app.get(
    '/organizations/:id/client-grants',
    {
      config: { scopes: ['read:organization_client_grants'] },
      schema: {
        params: idParams,
        querystring: { type: 'object', properties: { ...pagingQuerySchema } },
      },
    },
    async (request) => {
      const org = byId((request.params as { id: string }).id)
      const grants = org.client_grant_ids.flatMap((id) => {
        const grant = state.clientGrant(id)
        return grant ? [grantView(grant)] : []
      })
      return page(grants, request.query as PagingQuery, 'client_grants')
    },
  )

  app.post(
    '/organizations/:id/client-grants',
    {
      config: { scopes: ['create:organization_client_grants'] },
      schema: {
        params: idParams,
        body: {
          type: 'object',
          required: ['grant_id'],
          additionalProperties: false,
          properties: { grant_id: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      const org = byId((request.params as { id: string }).id)
      const { grant_id: grantId } = request.body as { grant_id: string }
      const grant = state.clientGrant(grantId)
      if (!grant) throw notFound('client grant', 'inexistent_client_grant')
      if ((grant.organization_usage ?? 'deny') === 'deny') {
        throw new ManagementError(
          400,
          'invalid_body',
          'Payload validation error: the client grant does not allow organizations (organization_usage is deny)',
        )
      }
      if (!org.client_grant_ids.includes(grantId)) {
        await state.updateOrganization(org.id, {
          client_grant_ids: [...org.client_grant_ids, grantId],
        })
      }
      return reply.code(201).send(grantView(grant))
    },
  )

  app.delete(
    '/organizations/:id/client-grants/:grant_id',
    {
      config: { scopes: ['delete:organization_client_grants'] },
      schema: {
        params: {
          type: 'object',
          required: ['id', 'grant_id'],
          properties: {
            id: { type: 'string', maxLength: 64 },
            grant_id: { type: 'string', maxLength: 64 },
          },
        },
      },
    },
    async (request, reply) => {
      const { id, grant_id: grantId } = request.params as { id: string; grant_id: string }
      const org = byId(id)
      await state.updateOrganization(org.id, {
        client_grant_ids: org.client_grant_ids.filter((g) => g !== grantId),
      })
      return reply.code(204).send()
    },
  )
}

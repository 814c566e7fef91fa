import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ManagementAnswer } from '../../management/in-process-management.js'
import type { ClientGrant, Organization } from '../../tenant/model.js'
import { sessionOf } from '../access-guard.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { DASHBOARD_PREFIX } from '../layout.js'
import { redirectWithFlash, refusalText } from '../render-page.js'
import {
  type GrantSummary,
  grantLabel,
  OrganizationDetail,
  OrganizationList,
  organizationPath,
} from './organization-views.js'

type WithId = { Params: { id: string } }
type Form<Fields extends string> = { Body: Partial<Record<Fields, unknown>> | undefined }
type GrantBody = WithId & Form<'grant_id'>

/** A grant as the Management API answers it: a default grant has no `client_id`. */
type GrantView = Omit<ClientGrant, 'client_id'> & { client_id?: string }

const ROUTE = '/organizations'
const LIST = `${DASHBOARD_PREFIX}${ROUTE}`
const PER_PAGE = 100
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '')
const orgUrl = (id: string) => `organizations/${encodeURIComponent(id)}`

/** Organizations: list, create, one organization's page, its client grants, delete. */
export function organizationRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { state, management, sendPage } = deps

  function summary(grant: GrantView): GrantSummary {
    const client = grant.client_id ? state.client(grant.client_id) : undefined
    return {
      id: grant.id,
      application: client?.name ?? grant.client_id ?? 'third-party applications (default grant)',
      api: state.resourceServerByIdentifier(grant.audience)?.name ?? grant.audience,
      scopes: grant.allow_all_scopes ? ['(all, allow_all_scopes)'] : grant.scope,
      organizationUsage: grant.organization_usage ?? 'deny',
    }
  }

  /** Every grant associated with the organization, page after page (Auth0 pages by 100 at most). */
  async function associatedGrants(id: string): Promise<GrantView[] | ManagementAnswer> {
    const grants: GrantView[] = []
    for (let page = 0; ; page += 1) {
      const answer = await management.request<GrantView[]>(
        'GET',
        `${orgUrl(id)}/client-grants?per_page=${PER_PAGE}&page=${page}`,
      )
      if (answer.status !== 200) return answer
      grants.push(...answer.body)
      if (answer.body.length < PER_PAGE) return grants
    }
  }

  function notFound(request: FastifyRequest, reply: FastifyReply, id: string) {
    return redirectWithFlash(request, reply, LIST, {
      kind: 'error',
      text: `No organization with ID ${id}.`,
    })
  }

  /** After a change to one organization: back to it if it is still there, else to the list. */
  function refused(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    what: string,
    answer: ManagementAnswer,
  ) {
    const org = state.organization(id, { byName: false })
    return redirectWithFlash(request, reply, org ? organizationPath(org) : LIST, {
      kind: 'error',
      text: `${what}: ${refusalText(answer)}`,
    })
  }

  scope.get(ROUTE, (request, reply) =>
    sendPage(request, reply, {
      title: 'Organizations',
      content: (
        <OrganizationList organizations={state.organizations} session={sessionOf(request)} />
      ),
    }),
  )

  scope.post<Form<'name' | 'display_name'>>(ROUTE, async (request, reply) => {
    const displayName = text(request.body?.display_name)
    const answer = await management.request<Organization>('POST', 'organizations', {
      name: text(request.body?.name),
      ...(displayName ? { display_name: displayName } : {}),
    })
    if (answer.status !== 201) {
      return redirectWithFlash(request, reply, LIST, {
        kind: 'error',
        text: `Organization not created: ${refusalText(answer)}`,
      })
    }
    return redirectWithFlash(request, reply, organizationPath(answer.body), {
      kind: 'notice',
      text: `Created ${answer.body.name}. Associate client grants to use it in token requests.`,
    })
  })

  scope.get<WithId>(`${ROUTE}/:id`, async (request, reply) => {
    const { id } = request.params
    const org = state.organization(id, { byName: false })
    if (!org) return notFound(request, reply, id)
    const associated = await associatedGrants(org.id)
    if (!Array.isArray(associated)) {
      return refused(request, reply, id, 'Client grants not read', associated)
    }
    const taken = new Set(associated.map((grant) => grant.id))
    const others = state.clientGrants.filter((grant) => !taken.has(grant.id))
    const allows = (grant: ClientGrant) => (grant.organization_usage ?? 'deny') !== 'deny'
    return sendPage(request, reply, {
      title: org.display_name,
      content: (
        <OrganizationDetail
          organization={org}
          associated={associated.map(summary)}
          candidates={others.filter(allows).map(summary)}
          denying={others.filter((grant) => !allows(grant)).length}
          session={sessionOf(request)}
        />
      ),
    })
  })

  scope.post<GrantBody>(`${ROUTE}/:id/grants`, async (request, reply) => {
    const { id } = request.params
    const grantId = text(request.body?.grant_id)
    const answer = await management.request('POST', `${orgUrl(id)}/client-grants`, {
      grant_id: grantId,
    })
    if (answer.status !== 201) return refused(request, reply, id, 'Not associated', answer)
    const grant = state.clientGrant(grantId)
    return redirectWithFlash(request, reply, `${LIST}/${encodeURIComponent(id)}`, {
      kind: 'notice',
      text: `Associated the grant ${grant ? grantLabel(summary(grant)) : grantId}.`,
    })
  })

  scope.post<GrantBody>(`${ROUTE}/:id/grants/remove`, async (request, reply) => {
    const { id } = request.params
    const org = state.organization(id, { byName: false })
    if (!org) return notFound(request, reply, id)
    const grantId = text(request.body?.grant_id)
    if (!org.client_grant_ids.includes(grantId)) {
      return redirectWithFlash(request, reply, organizationPath(org), {
        kind: 'error',
        text: `The grant ${grantId || '(none)'} is not associated with ${org.name}.`,
      })
    }
    const answer = await management.request(
      'DELETE',
      `${orgUrl(id)}/client-grants/${encodeURIComponent(grantId)}`,
    )
    if (answer.status !== 204) return refused(request, reply, id, 'Not removed', answer)
    const grant = state.clientGrant(grantId)
    return redirectWithFlash(request, reply, organizationPath(org), {
      kind: 'notice',
      text: `Removed the grant ${grant ? grantLabel(summary(grant)) : grantId} from ${org.name}.`,
    })
  })

  scope.post<WithId>(`${ROUTE}/:id/delete`, async (request, reply) => {
    const { id } = request.params
    const name = state.organization(id, { byName: false })?.name ?? id
    const answer = await management.request('DELETE', orgUrl(id))
    if (answer.status !== 204) return refused(request, reply, id, 'Not deleted', answer)
    return redirectWithFlash(request, reply, LIST, { kind: 'notice', text: `Deleted ${name}.` })
  })
}

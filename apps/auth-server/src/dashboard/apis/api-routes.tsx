import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ResourceServer, ResourceServerScope } from '../../tenant/model.js'
import { sessionOf } from '../access-guard.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { DASHBOARD_PREFIX } from '../layout.js'
import { redirectWithFlash, refusalText } from '../render-page.js'
import { systemLast } from './api-facts.js'
import { ApiDetail, ApiList, apiPath } from './api-views.js'
import { scopesFromLines } from './scope-lines.js'

type WithId = { Params: { id: string } }
type Form<Fields extends string> = { Body: Partial<Record<Fields, unknown>> | undefined }
type CreateBody = Form<'name' | 'identifier' | 'signing_alg' | 'token_lifetime' | 'scopes'>
type ScopeBody = WithId & Form<'value' | 'description'>

const ROUTE = '/apis'
const LIST = `${DASHBOARD_PREFIX}${ROUTE}`
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '')

/** A whole number as a number; anything else as typed, for the Management API to name. */
const lifetimeOf = (typed: string) => (/^\d+$/.test(typed) ? Number(typed) : typed)

/** APIs (resource servers): list, create, one API's page, add and remove scopes, delete. */
export function apiRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { state, management, sendPage } = deps

  function notFound(request: FastifyRequest, reply: FastifyReply, id: string) {
    return redirectWithFlash(request, reply, LIST, { kind: 'error', text: `No API with ID ${id}.` })
  }

  /** Replaces the API's scopes as a whole: Auth0's PATCH takes the full list. */
  async function setScopes(
    request: FastifyRequest,
    reply: FastifyReply,
    api: ResourceServer,
    scopes: ResourceServerScope[],
    done: string,
  ) {
    const answer = await management.request(
      'PATCH',
      `resource-servers/${encodeURIComponent(api.id)}`,
      { scopes },
    )
    return redirectWithFlash(
      request,
      reply,
      apiPath(api),
      answer.status === 200
        ? { kind: 'notice', text: done }
        : { kind: 'error', text: `Scopes not changed: ${refusalText(answer)}` },
    )
  }

  scope.get(ROUTE, (request, reply) =>
    sendPage(request, reply, {
      title: 'APIs',
      content: <ApiList apis={systemLast(state.resourceServers)} session={sessionOf(request)} />,
    }),
  )

  scope.post<CreateBody>(ROUTE, async (request, reply) => {
    const body = request.body ?? {}
    const signingAlg = text(body.signing_alg)
    const lifetime = text(body.token_lifetime)
    const answer = await management.request<ResourceServer>('POST', 'resource-servers', {
      name: text(body.name),
      identifier: text(body.identifier),
      scopes: scopesFromLines(typeof body.scopes === 'string' ? body.scopes : ''),
      ...(signingAlg ? { signing_alg: signingAlg } : {}),
      ...(lifetime ? { token_lifetime: lifetimeOf(lifetime) } : {}),
    })
    if (answer.status !== 201) {
      return redirectWithFlash(request, reply, LIST, {
        kind: 'error',
        text: `API not created: ${refusalText(answer)}`,
      })
    }
    return redirectWithFlash(request, reply, apiPath(answer.body), {
      kind: 'notice',
      text: `Created ${answer.body.name}. Grant it to applications in the grant matrix.`,
    })
  })

  scope.get<WithId>(`${ROUTE}/:id`, (request, reply) => {
    const api = state.resourceServer(request.params.id)
    if (!api) return notFound(request, reply, request.params.id)
    const grantCount = state.clientGrants.filter(
      (grant) => grant.audience === api.identifier && grant.client_id !== '',
    ).length
    return sendPage(request, reply, {
      title: api.name,
      content: <ApiDetail api={api} grantCount={grantCount} session={sessionOf(request)} />,
    })
  })

  scope.post<ScopeBody>(`${ROUTE}/:id/scopes`, async (request, reply) => {
    const api = state.resourceServer(request.params.id)
    if (!api) return notFound(request, reply, request.params.id)
    const value = text(request.body?.value)
    const description = text(request.body?.description)
    const added = description ? { value, description } : { value }
    return setScopes(request, reply, api, [...api.scopes, added], `Added the scope ${value}.`)
  })

  scope.post<ScopeBody>(`${ROUTE}/:id/scopes/remove`, async (request, reply) => {
    const api = state.resourceServer(request.params.id)
    if (!api) return notFound(request, reply, request.params.id)
    const value = text(request.body?.value)
    if (!api.scopes.some((known) => known.value === value)) {
      return redirectWithFlash(request, reply, apiPath(api), {
        kind: 'error',
        text: `${api.name} has no scope ${value || '(empty)'}.`,
      })
    }
    const kept = api.scopes.filter((known) => known.value !== value)
    return setScopes(request, reply, api, kept, `Removed the scope ${value}; grants lost it too.`)
  })

  scope.post<WithId>(`${ROUTE}/:id/delete`, async (request, reply) => {
    const { id } = request.params
    const api = state.resourceServer(id)
    if (!api) return notFound(request, reply, id)
    const answer = await management.request('DELETE', `resource-servers/${encodeURIComponent(id)}`)
    if (answer.status !== 204) {
      return redirectWithFlash(request, reply, apiPath(api), {
        kind: 'error',
        text: `Not deleted: ${refusalText(answer)}`,
      })
    }
    return redirectWithFlash(request, reply, LIST, {
      kind: 'notice',
      text: `Deleted ${api.name} and its grants.`,
    })
  })
}

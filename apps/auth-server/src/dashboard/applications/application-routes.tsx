import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Client } from '../../tenant/model.js'
import { sessionOf } from '../access-guard.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { DASHBOARD_PREFIX } from '../layout.js'
import { redirectWithFlash, refusalText } from '../render-page.js'
import { ApplicationDetail, ApplicationList } from './application-views.js'

type WithId = { Params: { id: string } }
type CreateBody = { Body: { name?: unknown; description?: unknown } | undefined }

const ROUTE = '/applications'
const LIST = `${DASHBOARD_PREFIX}${ROUTE}`
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '')

/** Applications: list, create, one application's page, reveal and rotate its secret, delete. */
export function applicationRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { state, management, sendPage } = deps

  function showDetail(
    request: FastifyRequest,
    reply: FastifyReply,
    client: Client,
    revealedSecret?: string,
  ) {
    return sendPage(request, reply, {
      title: client.name,
      content: (
        <ApplicationDetail
          client={client}
          grants={state.clientGrants.filter((grant) => grant.client_id === client.client_id)}
          session={sessionOf(request)}
          revealedSecret={revealedSecret}
        />
      ),
    })
  }

  function notFound(request: FastifyRequest, reply: FastifyReply, id: string) {
    return redirectWithFlash(request, reply, LIST, {
      kind: 'error',
      text: `No application with client ID ${id}.`,
    })
  }

  scope.get(ROUTE, (request, reply) =>
    sendPage(request, reply, {
      title: 'Applications',
      content: (
        <ApplicationList
          clients={state.clients}
          grants={state.clientGrants}
          session={sessionOf(request)}
        />
      ),
    }),
  )

  scope.post<CreateBody>(ROUTE, async (request, reply) => {
    const name = text(request.body?.name)
    const description = text(request.body?.description)
    const answer = await management.request<{ client_id: string }>('POST', 'clients', {
      name,
      ...(description ? { description } : {}),
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    })
    if (answer.status !== 201) {
      return redirectWithFlash(request, reply, LIST, {
        kind: 'error',
        text: `Not created: ${refusalText(answer)}`,
      })
    }
    return redirectWithFlash(
      request,
      reply,
      `${LIST}/${encodeURIComponent(answer.body.client_id)}`,
      { kind: 'notice', text: `Created ${name}. Grant it an API to get tokens.` },
    )
  })

  scope.get<WithId>(`${ROUTE}/:id`, (request, reply) => {
    const client = state.client(request.params.id)
    return client ? showDetail(request, reply, client) : notFound(request, reply, request.params.id)
  })

  // A POST, not a GET: revealing is an explicit act, CSRF-checked, never cached or prefetched.
  scope.post<WithId>(`${ROUTE}/:id/reveal`, async (request, reply) => {
    const { id } = request.params
    const client = state.client(id)
    if (!client) return notFound(request, reply, id)
    const answer = await management.request<{ client_secret?: string }>(
      'GET',
      `clients/${encodeURIComponent(id)}?fields=client_secret&include_fields=true`,
    )
    const secret = answer.status === 200 ? answer.body.client_secret : undefined
    if (!secret) {
      return redirectWithFlash(request, reply, `${LIST}/${encodeURIComponent(id)}`, {
        kind: 'error',
        text: 'This tenant does not know this secret any more (kept before secrets were stored): rotate it to get a new one.',
      })
    }
    return showDetail(request, reply, client, secret)
  })

  scope.post<WithId>(`${ROUTE}/:id/rotate-secret`, async (request, reply) => {
    const { id } = request.params
    const answer = await management.request<{ client_secret: string }>(
      'POST',
      `clients/${encodeURIComponent(id)}/rotate-secret`,
    )
    const client = state.client(id)
    if (answer.status !== 200 || !client) {
      return redirectWithFlash(request, reply, LIST, {
        kind: 'error',
        text: `Not rotated: ${refusalText(answer)}`,
      })
    }
    const session = sessionOf(request)
    if (session) {
      session.flash = {
        kind: 'notice',
        text: 'Secret rotated: the previous one no longer works.',
      }
    }
    return showDetail(request, reply, client, answer.body.client_secret)
  })

  scope.post<WithId>(`${ROUTE}/:id/delete`, async (request, reply) => {
    const { id } = request.params
    const name = state.client(id)?.name ?? id
    const answer = await management.request('DELETE', `clients/${encodeURIComponent(id)}`)
    return redirectWithFlash(
      request,
      reply,
      LIST,
      answer.status === 204
        ? { kind: 'notice', text: `Deleted ${name}.` }
        : { kind: 'error', text: `Not deleted: ${refusalText(answer)}` },
    )
  })
}

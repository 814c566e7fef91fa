import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sessionOf } from '../access-guard.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { redirectWithFlash, refusalText } from '../render-page.js'
import { type QuotaFormBody, quotaLimitsFromForm } from './quota-form.js'
import { QUOTAS_PATH } from './quota-forms.js'
import { quotaOverview } from './quota-overview.js'
import { QuotaPage } from './quota-views.js'

type ClientQuotaBody = { Body: (QuotaFormBody & { client_id?: unknown }) | undefined }
type DefaultQuotaBody = { Body: QuotaFormBody | undefined }
type WithId = { Params: { id: string } }

const ROUTE = '/quotas'

/** Token quotas: usage bars, a client's quota, the tenant default for clients. */
export function quotaRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { state, quota, management, sendPage } = deps

  const back = (
    request: FastifyRequest,
    reply: FastifyReply,
    answer: { status: number; body: unknown },
    done: string,
    failed: string,
  ) =>
    redirectWithFlash(
      request,
      reply,
      QUOTAS_PATH,
      answer.status === 200
        ? { kind: 'notice', text: done }
        : { kind: 'error', text: `${failed}: ${refusalText(answer)}` },
    )

  const refuse = (request: FastifyRequest, reply: FastifyReply, text: string) =>
    redirectWithFlash(request, reply, QUOTAS_PATH, { kind: 'error', text })

  /** PATCH /tenants/settings replaces `default_token_quota` whole: the organizations' half is kept. */
  const withOrganizationDefault = (clients: unknown) => {
    const organizations = state.settings.default_token_quota?.organizations
    if (clients === undefined) return organizations ? { organizations } : null
    return { clients, ...(organizations ? { organizations } : {}) }
  }

  scope.get(ROUTE, (request, reply) =>
    sendPage(request, reply, {
      title: 'Token quotas',
      content: (
        <QuotaPage
          overview={quotaOverview(state, quota)}
          clients={state.clients}
          clientDefault={state.settings.default_token_quota?.clients?.client_credentials}
          session={sessionOf(request)}
        />
      ),
    }),
  )

  scope.post<ClientQuotaBody>(`${ROUTE}/clients`, async (request, reply) => {
    const id = typeof request.body?.client_id === 'string' ? request.body.client_id : ''
    if (!id) return refuse(request, reply, 'Quota not set: choose an application.')
    const input = quotaLimitsFromForm(request.body)
    if ('problem' in input) return refuse(request, reply, `Quota not set: ${input.problem}.`)
    const answer = await management.request('PATCH', `clients/${encodeURIComponent(id)}`, {
      token_quota: { client_credentials: input.limits },
    })
    const name = state.client(id)?.name ?? id
    return back(request, reply, answer, `Quota of ${name} set.`, `Quota of ${name} not set`)
  })

  scope.post<WithId>(`${ROUTE}/clients/:id/clear`, async (request, reply) => {
    const { id } = request.params
    const answer = await management.request('PATCH', `clients/${encodeURIComponent(id)}`, {
      token_quota: null,
    })
    const name = state.client(id)?.name ?? id
    const fallback = state.settings.default_token_quota?.clients
      ? 'the tenant default applies to it now'
      : 'only the rate limit applies to it now'
    return back(
      request,
      reply,
      answer,
      `Quota of ${name} cleared: ${fallback}.`,
      `Quota of ${name} not cleared`,
    )
  })

  scope.post<DefaultQuotaBody>(`${ROUTE}/default`, async (request, reply) => {
    const input = quotaLimitsFromForm(request.body)
    if ('problem' in input) return refuse(request, reply, `Default not saved: ${input.problem}.`)
    const answer = await management.request('PATCH', 'tenants/settings', {
      default_token_quota: withOrganizationDefault({ client_credentials: input.limits }),
    })
    return back(
      request,
      reply,
      answer,
      'Default quota for applications saved.',
      'Default quota not saved',
    )
  })

  scope.post(`${ROUTE}/default/clear`, async (request, reply) => {
    const answer = await management.request('PATCH', 'tenants/settings', {
      default_token_quota: withOrganizationDefault(undefined),
    })
    return back(
      request,
      reply,
      answer,
      'Default quota for applications removed.',
      'Default quota not removed',
    )
  })
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sessionOf } from '../access-guard.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { grantOptions } from './grant-options.js'
import { TenantUnansweredError, type TryResult, tryExchange } from './try-exchange.js'
import { EMPTY_INPUT, parseTryInput, type TryInput } from './try-input.js'
import { TryPage } from './try-views.js'

const ROUTE = '/try'

/** The script asks for JSON; a form posted without JavaScript gets the page. */
const wantsJson = (request: FastifyRequest) =>
  (request.headers.accept ?? '').includes('application/json')

/** What `#try-status` says once an exchange is over (dashboard-assets/try-it.js says the same). */
export const statusText = (result: TryResult) =>
  result.ok ? 'Token issued.' : `Refused: ${result.error}.`

/** "Try it": a real client-credentials exchange with an application's secret, decoded and verified. */
export function tryRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { state, sendPage } = deps

  function showPage(
    request: FastifyRequest,
    reply: FastifyReply,
    page: { input: TryInput; status?: number; result?: TryResult; problem?: string; text?: string },
  ) {
    return sendPage(request, reply, {
      title: 'Try it',
      status: page.status ?? 200,
      content: (
        <TryPage
          options={grantOptions(state)}
          input={page.input}
          session={sessionOf(request)}
          result={page.result}
          problem={page.problem}
          status={page.text}
        />
      ),
    })
  }

  /** A 4xx for the form's fields, or a 502 when the tenant did not answer: JSON, or the page. */
  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    input: TryInput,
    status: number,
    problem: string,
  ) {
    if (wantsJson(request)) {
      return reply.code(status).send({
        ok: false,
        status,
        error: status >= 500 ? 'tenant_unanswered' : 'invalid_request',
        error_description: problem,
      })
    }
    const text = status >= 500 ? problem : `Not sent: ${problem}`
    return showPage(request, reply, { input, status, problem, text })
  }

  scope.get<{ Querystring: { grant?: unknown } }>(ROUTE, (request, reply) => {
    const { grant } = request.query
    return showPage(request, reply, {
      input: { ...EMPTY_INPUT, grant: typeof grant === 'string' ? grant : '' },
    })
  })

  scope.post<{ Body: unknown }>(ROUTE, async (request, reply) => {
    const parsed = parseTryInput(request.body, grantOptions(state))
    if (!parsed.ok) return refuse(request, reply, parsed.input, 400, parsed.problem)
    let result: TryResult
    try {
      result = await tryExchange(deps, parsed.option, parsed.input)
    } catch (error) {
      if (!(error instanceof TenantUnansweredError)) throw error
      const problem = `The tenant did not answer: ${error.message}`
      return refuse(request, reply, parsed.input, 502, problem)
    }
    if (wantsJson(request)) return reply.send(result)
    return showPage(request, reply, { input: parsed.input, result, text: statusText(result) })
  })
}

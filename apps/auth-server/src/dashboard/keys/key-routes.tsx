import type { FastifyInstance } from 'fastify'
import { sessionOf } from '../access-guard.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { redirectWithFlash, refusalText } from '../render-page.js'
import { keyTimeline } from './key-timeline.js'
import { KEYS_PATH, KeyTimeline } from './key-views.js'

type WithKid = { Params: { kid: string } }

const ROUTE = '/keys'

/** Signing keys: the timeline, rotate, revoke a previous key. */
export function keyRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { keys, management, sendPage } = deps

  scope.get(ROUTE, (request, reply) =>
    sendPage(request, reply, {
      title: 'Signing keys',
      content: <KeyTimeline signingKeys={keyTimeline(keys)} session={sessionOf(request)} />,
    }),
  )

  scope.post(`${ROUTE}/rotate`, async (request, reply) => {
    const previous = keys.current().kid
    const answer = await management.request<{ kid: string }>('POST', 'keys/signing/rotate')
    return redirectWithFlash(
      request,
      reply,
      KEYS_PATH,
      answer.status === 201
        ? {
            kind: 'notice',
            text: `Rotated: ${answer.body.kid} signs new tokens now; ${previous} stays published until you revoke it.`,
          }
        : { kind: 'error', text: `Not rotated: ${refusalText(answer)}` },
    )
  })

  scope.post<WithKid>(`${ROUTE}/:kid/revoke`, async (request, reply) => {
    const { kid } = request.params
    const answer = await management.request('PUT', `keys/signing/${encodeURIComponent(kid)}/revoke`)
    return redirectWithFlash(
      request,
      reply,
      KEYS_PATH,
      answer.status === 200
        ? { kind: 'notice', text: `Revoked ${kid}: tokens it signed no longer verify.` }
        : { kind: 'error', text: `Not revoked (${kid}): ${refusalText(answer)}` },
    )
  })
}

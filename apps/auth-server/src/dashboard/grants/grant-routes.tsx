import type { FastifyInstance } from 'fastify'
import { sessionOf } from '../access-guard.js'
import type { DashboardDeps } from '../dashboard-deps.js'
import { DASHBOARD_PREFIX } from '../layout.js'
import { redirectWithFlash } from '../render-page.js'
import { applyGrantChanges, outcomeText } from './apply-grant-changes.js'
import { grantChanges } from './grant-changes.js'
import { grantMatrix } from './grant-matrix.js'
import { GrantMatrixPage } from './grant-views.js'
import { readMatrixForm } from './matrix-form.js'

const ROUTE = '/grants'

/**
 * The whole matrix is one form: hundreds of applications × a dozen APIs send
 * far more than the dashboard's usual 16 KiB form limit.
 */
const MATRIX_BODY_LIMIT = 8 * 1024 * 1024

/** The client-grant matrix: every application × every API, saved at once. */
export function grantRoutes(scope: FastifyInstance, deps: DashboardDeps) {
  const { state, management, sendPage } = deps

  scope.get(ROUTE, (request, reply) =>
    sendPage(request, reply, {
      title: 'Grants',
      content: <GrantMatrixPage matrix={grantMatrix(state)} session={sessionOf(request)} />,
    }),
  )

  scope.post<{ Body: Record<string, unknown> | undefined }>(
    ROUTE,
    { bodyLimit: MATRIX_BODY_LIMIT },
    async (request, reply) => {
      const changes = grantChanges(grantMatrix(state), readMatrixForm(request.body))
      const outcome = await applyGrantChanges(management, changes)
      return redirectWithFlash(request, reply, `${DASHBOARD_PREFIX}${ROUTE}`, {
        kind: outcome.refusals.length === 0 ? 'notice' : 'error',
        text: outcomeText(outcome),
      })
    },
  )
}

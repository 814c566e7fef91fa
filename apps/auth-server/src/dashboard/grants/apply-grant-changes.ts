import type { InProcessManagement } from '../../management/in-process-management.js'
import { refusalText } from '../render-page.js'
import type { GrantChange } from './grant-changes.js'

export interface GrantOutcome {
  created: number
  changed: number
  removed: number
  /** `Storefront → Orders API: <the Management API's message>`, one per refused change. */
  refusals: string[]
}

const EXPECTED = { create: 201, change: 200, remove: 204 } as const

function call(management: InProcessManagement, change: GrantChange) {
  switch (change.kind) {
    case 'create':
      return management.request('POST', 'client-grants', {
        client_id: change.cell.client.client_id,
        audience: change.cell.api.identifier,
        scope: change.scope,
      })
    case 'change':
      return management.request('PATCH', `client-grants/${encodeURIComponent(change.grant.id)}`, {
        scope: change.scope,
      })
    case 'remove':
      return management.request('DELETE', `client-grants/${encodeURIComponent(change.grant.id)}`)
  }
}

/**
 * Applies the changes one after the other through the Management API, so
 * each meets Auth0's validation; a refused one does not stop the others.
 */
export async function applyGrantChanges(
  management: InProcessManagement,
  changes: readonly GrantChange[],
): Promise<GrantOutcome> {
  const outcome: GrantOutcome = { created: 0, changed: 0, removed: 0, refusals: [] }
  const counter = { create: 'created', change: 'changed', remove: 'removed' } as const
  for (const change of changes) {
    const answer = await call(management, change)
    if (answer.status === EXPECTED[change.kind]) {
      outcome[counter[change.kind]] += 1
    } else {
      const { client, api } = change.cell
      outcome.refusals.push(`${client.name} → ${api.name}: ${refusalText(answer)}`)
    }
  }
  return outcome
}

const SHOWN_REFUSALS = 5

/** `2 grants created, 1 changed, 0 removed.`, then the refusals, the first few in full. */
export function outcomeText(outcome: GrantOutcome): string {
  const { created, changed, removed, refusals } = outcome
  const counts = `${created} grant${created === 1 ? '' : 's'} created, ${changed} changed, ${removed} removed.`
  if (refusals.length === 0) return counts
  const more = refusals.length - SHOWN_REFUSALS
  const listed = refusals.slice(0, SHOWN_REFUSALS).join('; ')
  return `${counts} ${refusals.length} refused: ${listed}${more > 0 ? `; and ${more} more` : ''}.`
}

import { firstBy } from '../../state/first-by.js'
import { grantKey } from '../../tenant/grant-key.js'
import type { Client, ClientGrant, ResourceServer } from '../../tenant/model.js'
import { systemLast } from '../apis/api-facts.js'

/** One application and one API: the application's own client grant for it, if any. */
export interface GrantCell {
  client: Client
  api: ResourceServer
  grant: ClientGrant | undefined
  /** Why the matrix shows this grant without changing it; undefined when it is editable. */
  readOnly: string | undefined
}

export interface GrantMatrix {
  /** Applications with the client_credentials grant type. */
  rows: Client[]
  /** APIs, the Management API (the system API) last. */
  columns: ResourceServer[]
  cell(client: Client, api: ResourceServer): GrantCell
  /** Grants no cell stands for: `default_for`, user subject, or outside the rows and columns. */
  outside: OutsideGrant[]
}

/** A grant the matrix has no cell for, named for a reader. */
export interface OutsideGrant {
  grant: ClientGrant
  application: string
  api: string
  why: string
}

/** The grant a client-credentials cell edits: the client's own, for client subjects. */
const isCellGrant = (grant: ClientGrant) =>
  grant.client_id !== '' && grant.default_for === undefined && grant.subject_type !== 'user'

function readOnlyReason(grant: ClientGrant | undefined): string | undefined {
  return grant?.allow_all_scopes
    ? 'allow_all_scopes: every scope of the API, added ones included'
    : undefined
}

/** The tenant's grants laid out as applications × APIs. */
export function grantMatrix(tenant: {
  clients: readonly Client[]
  resourceServers: readonly ResourceServer[]
  clientGrants: readonly ClientGrant[]
}): GrantMatrix {
  const rows = tenant.clients.filter((client) => client.grant_types.includes('client_credentials'))
  const columns = systemLast(tenant.resourceServers)
  const byCell = new Map<string, ClientGrant>()
  for (const grant of tenant.clientGrants) {
    if (isCellGrant(grant)) byCell.set(grantKey(grant.client_id, grant.audience), grant)
  }
  const rowIds = new Set(rows.map((client) => client.client_id))
  const audiences = new Set(columns.map((api) => api.identifier))
  // A tenant may have thousands of grants outside the matrix.
  const clients = firstBy(tenant.clients, (c) => c.client_id)
  const apis = firstBy(tenant.resourceServers, (r) => r.identifier)
  return {
    rows,
    columns,
    cell(client, api) {
      const grant = byCell.get(grantKey(client.client_id, api.identifier))
      return { client, api, grant, readOnly: readOnlyReason(grant) }
    },
    outside: tenant.clientGrants.flatMap((grant) => {
      const why = outsideReason(grant, rowIds, audiences)
      if (!why) return []
      const client = clients.get(grant.client_id)
      const api = apis.get(grant.audience)
      const application = grant.default_for
        ? 'Every third-party application without its own grant'
        : (client?.name ?? grant.client_id)
      return [{ grant, application, api: api?.name ?? grant.audience, why }]
    }),
  }
}

function outsideReason(
  grant: ClientGrant,
  rowIds: ReadonlySet<string>,
  audiences: ReadonlySet<string>,
): string | undefined {
  if (grant.default_for) return "default_for: a default grant, not one application's"
  if (grant.subject_type === 'user') return 'subject_type user: not used by client credentials'
  if (!rowIds.has(grant.client_id)) return 'the application lacks the client_credentials grant type'
  if (!audiences.has(grant.audience)) return 'no API has this identifier'
  return undefined
}

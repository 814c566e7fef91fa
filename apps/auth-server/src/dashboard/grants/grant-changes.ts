import type { ClientGrant } from '../../tenant/model.js'
import type { GrantCell, GrantMatrix } from './grant-matrix.js'
import { cellPosition, columnValue, type MatrixForm, rowValue, scopeValue } from './matrix-form.js'

export type GrantChange =
  | { kind: 'create'; cell: GrantCell; scope: string[] }
  | { kind: 'change'; cell: GrantCell; grant: ClientGrant; scope: string[] }
  | { kind: 'remove'; cell: GrantCell; grant: ClientGrant }

const sameScopes = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((scope) => b.includes(scope))

/** Each item with its position in `sent`, once, when `sent` names one of them. */
function positioned<T>(items: readonly T[], sent: readonly string[], keyOf: (item: T) => string) {
  const byKey = new Map(items.map((item) => [keyOf(item), item]))
  const seen = new Set<string>()
  return sent.flatMap((key, position) => {
    const item = byKey.get(key)
    if (!item || seen.has(key)) return []
    seen.add(key)
    return [{ item, position }]
  })
}

/**
 * The grants to create, change and remove so that the tenant matches the
 * form: only the cells shown (an application or API added since is left
 * alone), only editable ones, only scopes the API has now. "Granted"
 * decides: the scope boxes of a cell not granted count for nothing.
 */
export function grantChanges(matrix: GrantMatrix, form: MatrixForm): GrantChange[] {
  const rows = positioned(matrix.rows, form.rows, rowValue)
  const columns = positioned(matrix.columns, form.columns, columnValue)
  const changes: GrantChange[] = []
  for (const row of rows) {
    for (const column of columns) {
      const cell = matrix.cell(row.item, column.item)
      if (cell.readOnly) continue
      const position = cellPosition(row.position, column.position)
      const { grant } = cell
      if (!form.granted.has(position)) {
        if (grant) changes.push({ kind: 'remove', cell, grant })
        continue
      }
      const checked = form.scopes(position)
      const scope = column.item.scopes
        .map((known) => known.value)
        .filter((value) => checked.has(scopeValue(value)))
      if (!grant) changes.push({ kind: 'create', cell, scope })
      else if (!sameScopes(grant.scope, scope)) changes.push({ kind: 'change', cell, grant, scope })
    }
  }
  return changes
}

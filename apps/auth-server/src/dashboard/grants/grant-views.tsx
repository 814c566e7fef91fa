import { grantedScopes } from '../../tenant/model.js'
import type { DashboardSession } from '../dashboard-sessions.js'
import { CsrfField, DASHBOARD_PREFIX } from '../layout.js'
import type { GrantCell, GrantMatrix, OutsideGrant } from './grant-matrix.js'
import {
  cellPosition,
  columnValue,
  FIELDS,
  rowValue,
  scopeField,
  scopeValue,
} from './matrix-form.js'

/** Past this many scopes, a cell folds its scope boxes away (they still work without script). */
const FOLD_AFTER = 6

export function GrantMatrixPage(props: {
  matrix: GrantMatrix
  session: DashboardSession | undefined
}) {
  const { matrix } = props
  return (
    <>
      {matrix.rows.length === 0 ? (
        <p class="empty">
          No application has the client_credentials grant type:{' '}
          <a href={`${DASHBOARD_PREFIX}/applications`}>create one</a>.
        </p>
      ) : (
        <MatrixForm matrix={matrix} session={props.session} />
      )}
      <OutsideGrants grants={matrix.outside} />
    </>
  )
}

function MatrixForm(props: { matrix: GrantMatrix; session: DashboardSession | undefined }) {
  const { rows, columns } = props.matrix
  return (
    <form method="post" action={`${DASHBOARD_PREFIX}/grants`}>
      <CsrfField session={props.session} />
      <p>
        Check <strong>Granted</strong> to let an application get tokens for an API, and the scopes
        it may ask for. Scope boxes count only where Granted is checked. Saving applies the
        differences through the Management API.
      </p>
      <section class="grant-matrix" aria-label="Grant matrix">
        <table>
          <caption>
            Client grants: {rows.length} applications × {columns.length} APIs
          </caption>
          <thead>
            <tr>
              <th scope="col">Application</th>
              {columns.map((api) => (
                <th scope="col" key={api.id}>
                  <input type="hidden" name={FIELDS.column} value={columnValue(api)} />
                  {api.name}
                  {api.is_system ? <span class="system-badge">system</span> : null}
                  <br />
                  <code>{api.identifier}</code>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((client, row) => (
              <tr key={client.client_id}>
                <th scope="row">
                  <input type="hidden" name={FIELDS.row} value={rowValue(client)} />
                  <a
                    href={`${DASHBOARD_PREFIX}/applications/${encodeURIComponent(client.client_id)}`}
                  >
                    {client.name}
                  </a>
                </th>
                {columns.map((api, column) => (
                  <Cell
                    key={api.id}
                    cell={props.matrix.cell(client, api)}
                    position={cellPosition(row, column)}
                  />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <div class="save-bar">
        <button type="submit">Save grants</button>
      </div>
    </form>
  )
}

/**
 * One application × one API: "Granted", then a box per scope of the API.
 * Each label wraps its box and names it by `for` too: no wrapper elements,
 * as a Management API cell has some 130 boxes.
 */
function Cell({ cell, position }: { cell: GrantCell; position: string }) {
  const { grant, api } = cell
  const id = `g${position.replace('.', '-')}`
  const checked = new Set(grant ? grantedScopes(grant, api) : [])
  const boxes = api.scopes.map((scope, index) => (
    <label for={`${id}-${index}`} key={scope.value} title={scope.description}>
      <input
        type="checkbox"
        id={`${id}-${index}`}
        name={scopeField(position)}
        value={scopeValue(scope.value)}
        checked={checked.has(scope.value)}
      />{' '}
      {scope.value}
    </label>
  ))
  return (
    <td class={grant ? 'granted' : undefined}>
      <fieldset class="grant-cell" disabled={cell.readOnly !== undefined}>
        <legend class="visually-hidden">
          {cell.client.name} → {api.name}
        </legend>
        <label for={id} class="granted-label">
          <input type="checkbox" id={id} name={FIELDS.granted} value={position} checked={!!grant} />{' '}
          Granted
        </label>
        {cell.readOnly ? <p class="muted-note">Read-only here: {cell.readOnly}.</p> : null}
        {api.scopes.length === 0 ? (
          <span class="muted-note">No scopes defined</span>
        ) : api.scopes.length > FOLD_AFTER ? (
          <details>
            <summary>
              Scopes: {checked.size} of {api.scopes.length}
            </summary>
            {boxes}
          </details>
        ) : (
          boxes
        )}
      </fieldset>
    </td>
  )
}

function OutsideGrants({ grants }: { grants: readonly OutsideGrant[] }) {
  if (grants.length === 0) return null
  return (
    <>
      <h2>Grants the matrix does not edit</h2>
      <p class="muted-note">
        Shown as they are; change them through the Management API (
        <code>/api/v2/client-grants</code>).
      </p>
      <table>
        <caption>Other client grants ({grants.length})</caption>
        <thead>
          <tr>
            <th scope="col">Application</th>
            <th scope="col">API</th>
            <th scope="col">Scopes</th>
            <th scope="col">Why not in the matrix</th>
          </tr>
        </thead>
        <tbody>
          {grants.map(({ grant, application, api, why }) => (
            <tr key={grant.id}>
              <td>{application}</td>
              <td>{api}</td>
              <td>
                {grant.allow_all_scopes
                  ? 'all (allow_all_scopes)'
                  : grant.scope.join(' ') || 'none'}
              </td>
              <td>{why}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

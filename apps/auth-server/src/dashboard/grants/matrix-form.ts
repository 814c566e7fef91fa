import type { Client, ResourceServer } from '../../tenant/model.js'

/**
 * The matrix form's fields. The rows and columns shown travel as hidden
 * fields holding their ids; every box of a cell names the cell by the
 * positions of those fields (`3.1`), so parsing never depends on what an id
 * contains, and the page stays small (a Management API cell alone has some
 * 130 scope boxes). Ids and scopes are sent encoded: a browser rewrites the
 * line breaks of whatever it submits.
 */
export const FIELDS = { row: 'row', column: 'column', granted: 'granted' } as const
export const rowValue = (client: Client) => encodeURIComponent(client.client_id)
export const columnValue = (api: ResourceServer) => encodeURIComponent(api.identifier)
export const cellPosition = (row: number, column: number) => `${row}.${column}`
export const scopeField = (position: string) => `scope.${position}`
export const scopeValue = (scope: string) => encodeURIComponent(scope)

/** What the matrix form sent, every value as sent. */
export interface MatrixForm {
  /** The rows and columns the page showed, in order: cell positions refer to them. */
  rows: string[]
  columns: string[]
  /** The positions of the cells whose Granted box is checked. */
  granted: ReadonlySet<string>
  /** The scope boxes checked in the cell at a position. */
  scopes(position: string): ReadonlySet<string>
}

const values = (field: unknown): string[] =>
  (Array.isArray(field) ? field : [field]).filter((value) => typeof value === 'string')

export function readMatrixForm(body: Record<string, unknown> | undefined): MatrixForm {
  return {
    rows: values(body?.[FIELDS.row]),
    columns: values(body?.[FIELDS.column]),
    granted: new Set(values(body?.[FIELDS.granted])),
    scopes: (position) => new Set(values(body?.[scopeField(position)])),
  }
}

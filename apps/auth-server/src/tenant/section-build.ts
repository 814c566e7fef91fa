import type { DocumentPath } from './keyword-replace.js'
import type { TenantDocument } from './tenant-schema.js'

/** What every section builder shares: the document and the problem list. */
export interface Build {
  doc: TenantDocument
  /** Names a place: `clients[1] ("Storefront").client_id`. */
  at(...path: DocumentPath): string
  report(path: DocumentPath, message: string): void
}

import type { DocumentPath } from './keyword-replace.js'
import { unmarkKeywords } from './keyword-replace.js'

// Naming places in a tenant document, for error messages.

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/

/**
 * `['clients', 2, 'grant_types']` → `clients[2] ("Storefront").grant_types`:
 * entries of a top-level list are labelled with their name, so a problem can
 * be found without counting.
 */
export function describePath(document: unknown, path: DocumentPath): string {
  let text = ''
  let node: unknown = document
  path.forEach((segment, depth) => {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (depth === 0) text = segment
    else text += PLAIN_KEY.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`

    node =
      isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined
    if (depth === 1 && typeof segment === 'number') {
      const label = entryLabel(String(path[0]), node)
      if (label) text += ` (${label})`
    }
  })
  return text || '(document)'
}

function entryLabel(section: string, entry: unknown): string | undefined {
  if (!isRecord(entry)) return undefined
  const quote = (value: unknown) =>
    typeof value === 'string' && value !== '' ? JSON.stringify(unmarkKeywords(value)) : undefined
  if (section === 'clientGrants') {
    const client = quote(entry.client_id)
    const audience = quote(entry.audience)
    return client && audience ? `${client} → ${audience}` : (client ?? audience)
  }
  if (section === 'users') return quote(entry.email) ?? quote(entry.user_id)
  return quote(entry.name)
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

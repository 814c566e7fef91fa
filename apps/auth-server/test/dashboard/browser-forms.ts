import type { DashboardHarness } from './dashboard-helpers.js'

export type Session = { cookie: string; csrf: string }
/** Form fields in order; a name may repeat, as checkboxes of one name do. */
export type Fields = ReadonlyArray<readonly [name: string, value: string]>

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }
const decode = (html: string) =>
  html.replace(/&(amp|lt|gt|quot|#39);/g, (entity, name: string) => ENTITIES[name] ?? entity)

/** Posts fields urlencoded as a browser does, with the session's CSRF token unless told not to. */
export function post(
  harness: DashboardHarness,
  session: Session,
  url: string,
  fields: Fields | Record<string, string> = {},
  options: { csrf?: boolean } = {},
) {
  const body = new URLSearchParams(Array.isArray(fields) ? [...fields] : Object.entries(fields))
  if (options.csrf !== false) body.append('_csrf', session.csrf)
  return harness.app.inject({
    method: 'POST',
    url,
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  })
}

export async function get(harness: DashboardHarness, session: Session, url: string) {
  const page = await harness.app.inject({ url, headers: { cookie: session.cookie } })
  return { status: page.statusCode, html: page.body, location: page.headers.location }
}

/** The flash message of a page, as text. */
export function flashOf(html: string): { kind: string; text: string } | undefined {
  const match = /<p class="flash flash-(\w+)"[^>]*>([\s\S]*?)<\/p>/.exec(html)
  return match ? { kind: match[1] as string, text: decode(match[2] as string) } : undefined
}

/** Posts, checks the post/redirect/get answer, and reads the flash of the page it leads to. */
export async function postAndFollow(
  harness: DashboardHarness,
  session: Session,
  url: string,
  fields: Fields | Record<string, string> = {},
) {
  const answer = await post(harness, session, url, fields)
  if (answer.statusCode !== 303) {
    throw new Error(`expected a redirect, got ${answer.statusCode}: ${answer.body.slice(0, 300)}`)
  }
  const location = String(answer.headers.location)
  const page = await get(harness, session, location)
  return { ...page, location, flash: flashOf(page.html) }
}

const attributesOf = (tag: string) =>
  new Map(
    [...tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1], decode(m[2] ?? '')] as const),
  )

/**
 * What a browser would submit for the first form posting to `action`: its
 * hidden inputs and checked checkboxes, without those of a disabled fieldset.
 */
export function formFields(html: string, action: string): Array<[string, string]> {
  const start = html.indexOf(`action="${action}"`)
  if (start === -1) throw new Error(`no form posting to ${action}`)
  const form = html.slice(start, html.indexOf('</form>', start))
  const fields: Array<[string, string]> = []
  let disabledDepth = 0
  for (const [, closing, element, rest] of form.matchAll(/<(\/?)(fieldset|input)\b([^>]*)>/g)) {
    const attributes = attributesOf(rest ?? '')
    if (element === 'fieldset') {
      if (closing) disabledDepth = Math.max(0, disabledDepth - 1)
      else if (attributes.has('disabled') || disabledDepth > 0) disabledDepth += 1
      continue
    }
    const type = attributes.get('type')
    const name = attributes.get('name')
    if (disabledDepth > 0 || !name || name === '_csrf') continue
    if (type === 'hidden' || (type === 'checkbox' && attributes.has('checked'))) {
      fields.push([name, attributes.get('value') ?? 'on'])
    }
  }
  return fields
}

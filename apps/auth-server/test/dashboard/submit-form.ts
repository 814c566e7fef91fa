import type { DashboardHarness } from './dashboard-helpers.js'

type Session = { cookie: string; csrf: string }

/** Posts a dashboard form as a browser does (urlencoded, the session's CSRF token unless `csrf: false`). */
export function submitForm(
  harness: DashboardHarness,
  session: Session,
  url: string,
  fields: Record<string, string> = {},
  options: { csrf?: boolean } = {},
) {
  const body = new URLSearchParams(fields)
  if (options.csrf !== false) body.set('_csrf', session.csrf)
  return harness.app.inject({
    method: 'POST',
    url,
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  })
}

/** A dashboard page as the signed-in browser sees it (the flash of the last change included). */
export async function readPage(harness: DashboardHarness, session: Session, url: string) {
  const page = await harness.app.inject({ url, headers: { cookie: session.cookie } })
  return { status: page.statusCode, html: page.body }
}

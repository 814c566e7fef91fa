import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ComponentChildren } from 'preact'
import { renderToString } from 'preact-render-to-string'
import { sessionOf } from './access-guard.js'
import { Layout } from './layout.js'

export interface PageOptions {
  title: string
  content: ComponentChildren
  status?: number
}

/**
 * Renders pages in the dashboard's layout (Preact escapes every interpolated
 * value) and shows the session's flash message once.
 */
export function createPageRenderer(issuer: string) {
  return function sendPage(request: FastifyRequest, reply: FastifyReply, page: PageOptions) {
    const session = sessionOf(request)
    const context = { path: request.url.split('?')[0] ?? '', issuer, session }
    const html = renderToString(
      <Layout title={page.title} context={context}>
        {page.content}
      </Layout>,
    )
    if (session) delete session.flash
    return reply
      .code(page.status ?? 200)
      .type('text/html; charset=utf-8')
      .send(`<!doctype html>${html}`)
  }
}

export type SendPage = ReturnType<typeof createPageRenderer>

/** After a change: a message for the next page, and a redirect to it (post/redirect/get). */
export function redirectWithFlash(
  request: FastifyRequest,
  reply: FastifyReply,
  to: string,
  flash: { kind: 'notice' | 'error'; text: string },
) {
  const session = sessionOf(request)
  if (session) session.flash = flash
  return reply.redirect(to, 303)
}

/** What the Management API said when it refused: Auth0's `message`, or the status alone. */
export function refusalText(answer: { status: number; body: unknown }): string {
  const body = answer.body as { message?: unknown } | undefined
  return typeof body?.message === 'string'
    ? body.message
    : `The Management API answered ${answer.status}`
}

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { DashboardSession, DashboardSessions } from './dashboard-sessions.js'
import { DASHBOARD_PREFIX } from './layout.js'

export const SESSION_COOKIE = 'm2m_dashboard'

const signedIn = new WeakMap<FastifyRequest, DashboardSession>()

/** The session of a request the guard let through; undefined on the public pages. */
export function sessionOf(request: FastifyRequest): DashboardSession | undefined {
  return signedIn.get(request)
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  return v4.startsWith('127.') || address === '::1'
}

const PUBLIC_PATHS = new Set([`${DASHBOARD_PREFIX}/login`])
const isPublic = (path: string) =>
  PUBLIC_PATHS.has(path) || path.startsWith(`${DASHBOARD_PREFIX}/assets/`)
const changes = (method: string) => method !== 'GET' && method !== 'HEAD'

/** A refusal as plain text: the guard runs before any page can be rendered. */
function refuse(reply: FastifyReply, status: number, text: string) {
  return reply.code(status).type('text/plain; charset=utf-8').send(text)
}

export interface AccessGuardOptions {
  sessions: DashboardSessions
  /** `DASHBOARD_ALLOW_REMOTE`: answer other hosts than this one (still behind the sign-in). */
  allowRemote: boolean
}

/**
 * The dashboard's doors, in order: loopback peers only (unless allowed),
 * a session for everything but the sign-in page and assets, and for every
 * change a same-site request carrying the session's CSRF token.
 */
export function createAccessGuard(options: AccessGuardOptions) {
  return {
    async onRequest(request: FastifyRequest, reply: FastifyReply) {
      if (!options.allowRemote && !isLoopback(request.socket.remoteAddress)) {
        return refuse(
          reply,
          403,
          'The dashboard answers this machine only (set DASHBOARD_ALLOW_REMOTE=true to open it to others).',
        )
      }
      // A browser says where a request comes from: a change from another site is refused outright.
      const site = request.headers['sec-fetch-site']
      if (
        changes(request.method) &&
        site !== undefined &&
        site !== 'same-origin' &&
        site !== 'none'
      ) {
        return refuse(
          reply,
          403,
          'Refused: a change to the dashboard must come from the dashboard.',
        )
      }
      const path = request.url.split('?')[0] ?? ''
      if (isPublic(path)) return
      const session = options.sessions.find(request.cookies[SESSION_COOKIE])
      if (!session) {
        if (changes(request.method)) return refuse(reply, 401, 'Sign in to the dashboard first.')
        const next = encodeURIComponent(request.url)
        return reply.redirect(`${DASHBOARD_PREFIX}/login?next=${next}`, 303)
      }
      signedIn.set(request, session)
    },
    async preHandler(request: FastifyRequest, reply: FastifyReply) {
      const session = signedIn.get(request)
      if (!session || !changes(request.method)) return
      const body = request.body as Record<string, unknown> | undefined
      const token = request.headers['x-csrf-token'] ?? body?._csrf
      if (!options.sessions.csrfMatches(session, token)) {
        return refuse(
          reply,
          403,
          'Refused: the form is stale or did not come from this dashboard (CSRF token missing or wrong). Reload the page and try again.',
        )
      }
    },
  }
}

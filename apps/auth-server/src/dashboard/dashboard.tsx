import { readdirSync, readFileSync } from 'node:fs'
import { extname } from 'node:path'
import cookie from '@fastify/cookie'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createRateLimiter } from '../oauth/rate-limiter.js'
import { createAccessGuard, SESSION_COOKIE, sessionOf } from './access-guard.js'
import { apiRoutes } from './apis/api-routes.js'
import { applicationRoutes } from './applications/application-routes.js'
import { createConfirmationHold } from './confirmed-form.js'
import type { DashboardDeps } from './dashboard-deps.js'
import { ErrorContent } from './error-content.js'
import { grantRoutes } from './grants/grant-routes.js'
import { keyRoutes } from './keys/key-routes.js'
import { DASHBOARD_PREFIX } from './layout.js'
import { LoginPage } from './login-page.js'
import { logRoutes } from './logs/log-routes.js'
import { organizationRoutes } from './organizations/organization-routes.js'
import { overviewRoutes } from './overview/overview-routes.js'
import { quotaRoutes } from './quotas/quota-routes.js'
import { createPageRenderer } from './render-page.js'
import { tryRoutes } from './try-it/try-routes.js'

export interface DashboardOptions extends Omit<DashboardDeps, 'sendPage'> {
  /** `DASHBOARD_ALLOW_REMOTE`: answer other hosts than this one (still behind the sign-in). */
  allowRemote: boolean
}

const ASSETS = new URL('../../dashboard-assets/', import.meta.url)
const ASSET_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
}
const typeOf = (name: string) => ASSET_TYPES[extname(name)]

/** Every dashboard answer: scripts and styles from here only, never framed, never cached. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/** Where to go after signing in: a dashboard path only, never another site. */
function safeNext(next: unknown): string {
  return typeof next === 'string' &&
    next.startsWith(`${DASHBOARD_PREFIX}`) &&
    !next.startsWith('//') &&
    !next.includes('\\')
    ? next
    : DASHBOARD_PREFIX
}

/**
 * `/dashboard`: the local tenant for a person at a browser. Server-rendered
 * (Preact to a string, no build step), usable with JavaScript off; the
 * script only adds the live log, copy buttons and inline "Try it".
 * Registered with the prefix `/dashboard`: routes here are relative to it.
 */
export async function dashboardRoutes(scope: FastifyInstance, options: DashboardOptions) {
  const { sessions } = options
  const deps: DashboardDeps = { ...options, sendPage: createPageRenderer(options.issuer) }
  const { sendPage } = deps
  const guard = createAccessGuard({ sessions, allowRemote: options.allowRemote })
  const signInAttempts = createRateLimiter({ perSecond: 0.2, burst: 10 })
  // Every script and stylesheet of dashboard-assets/, read once.
  const assets = new Map(
    readdirSync(ASSETS)
      .filter((name) => typeOf(name) !== undefined)
      .map((name) => [name, readFileSync(new URL(name, ASSETS))]),
  )

  await scope.register(cookie)
  scope.addHook('onRequest', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS)
  })
  scope.addHook('onRequest', guard.onRequest)
  scope.addHook('preHandler', guard.preHandler)
  // After the CSRF check: only a genuine change is held for its "yes".
  scope.addHook('preHandler', createConfirmationHold(sendPage))

  scope.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) request.log.error({ err: error }, 'dashboard error')
    const text = status === 500 ? 'Something went wrong in the local tenant.' : error.message
    return sendPage(request, reply, {
      title: status === 500 ? 'Error' : 'Bad request',
      content: <ErrorContent text={text} />,
      status,
    })
  })
  scope.setNotFoundHandler((request, reply) =>
    sendPage(request, reply, {
      title: 'Not found',
      content: <ErrorContent text={`No dashboard page at ${request.url.split('?')[0]}.`} />,
      status: 404,
    }),
  )

  scope.get<{ Params: { name: string } }>('/assets/:name', (request, reply) => {
    const asset = assets.get(request.params.name)
    if (!asset) return reply.callNotFound()
    return reply
      .type(typeOf(request.params.name) as string)
      .header('cache-control', 'no-cache')
      .send(asset)
  })

  const signIn = (reply: FastifyReply, sessionId: string, request: FastifyRequest) =>
    reply.setCookie(SESSION_COOKIE, sessionId, {
      path: DASHBOARD_PREFIX,
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
    })

  scope.get<{ Querystring: { token?: string; next?: string } }>('/login', (request, reply) => {
    const { token, next } = request.query
    if (typeof token === 'string') {
      const session = sessions.signInWithLink(token)
      if (session) return signIn(reply, session.id, request).redirect(DASHBOARD_PREFIX, 303)
      return sendPage(request, reply, {
        title: 'Sign in',
        status: 401,
        content: (
          <LoginPage
            passwordEnabled={sessions.passwordEnabled}
            next={DASHBOARD_PREFIX}
            problem="This sign-in link has been used already or is unknown. Each link works once."
          />
        ),
      })
    }
    return sendPage(request, reply, {
      title: 'Sign in',
      content: <LoginPage passwordEnabled={sessions.passwordEnabled} next={safeNext(next)} />,
    })
  })

  scope.post<{ Body: { password?: unknown; next?: unknown } | undefined }>(
    '/login',
    (request, reply) => {
      const next = safeNext(request.body?.next)
      const refuse = (status: number, problem: string) =>
        sendPage(request, reply, {
          title: 'Sign in',
          status,
          content: (
            <LoginPage passwordEnabled={sessions.passwordEnabled} next={next} problem={problem} />
          ),
        })
      if (!sessions.passwordEnabled) {
        return refuse(400, 'No admin password is set: sign in with the one-time link.')
      }
      const rate = signInAttempts(request.ip)
      if (!rate.allowed) {
        reply.header('retry-after', String(rate.retryAfter))
        return refuse(429, `Too many attempts: try again in ${rate.retryAfter} s.`)
      }
      const password = request.body?.password
      const session =
        typeof password === 'string' ? sessions.signInWithPassword(password) : undefined
      if (!session) return refuse(401, 'Wrong password.')
      return signIn(reply, session.id, request).redirect(next, 303)
    },
  )

  scope.post('/logout', (request, reply) => {
    const session = sessionOf(request)
    if (session) sessions.signOut(session.id)
    return reply
      .clearCookie(SESSION_COOKIE, { path: DASHBOARD_PREFIX })
      .redirect(`${DASHBOARD_PREFIX}/login`, 303)
  })

  overviewRoutes(scope, deps)
  applicationRoutes(scope, deps)
  apiRoutes(scope, deps)
  grantRoutes(scope, deps)
  organizationRoutes(scope, deps)
  keyRoutes(scope, deps)
  quotaRoutes(scope, deps)
  logRoutes(scope, deps)
  tryRoutes(scope, deps)
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { LRUCache } from 'lru-cache'

/** A person signed in to the dashboard. */
export interface DashboardSession {
  id: string
  /** Sent back with every change (form field `_csrf` or header `x-csrf-token`). */
  csrf: string
  /** One message for the next page shown (after a change redirects). */
  flash?: { kind: 'notice' | 'error'; text: string }
}

export interface DashboardSessionOptions {
  /** `DASHBOARD_PASSWORD`; without it, sign-in is by one-time links only. */
  password?: string | undefined
  /** How long a session lasts without use. Default 12 hours. */
  idleMs?: number
  /** How long a one-time link stays usable. Default 24 hours. */
  linkMs?: number
}

const randomId = () => randomBytes(32).toString('base64url')
const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * Who may use the dashboard: sessions made by the admin password or by a
 * one-time link, each with its CSRF token. In memory: a restart signs
 * everyone out, as it should for a local tool.
 */
export function createDashboardSessions(options: DashboardSessionOptions = {}) {
  const idleMs = options.idleMs ?? 12 * 3600_000
  const sessions = new LRUCache<string, DashboardSession>({
    max: 1000,
    ttl: idleMs,
    updateAgeOnGet: true,
  })
  const links = new LRUCache<string, true>({ max: 100, ttl: options.linkMs ?? 24 * 3600_000 })
  const passwordDigest = options.password ? digest(options.password) : undefined

  function open(): DashboardSession {
    const session: DashboardSession = { id: randomId(), csrf: randomId() }
    sessions.set(session.id, session)
    return session
  }

  return {
    passwordEnabled: passwordDigest !== undefined,
    /** A new one-time sign-in token (for `/dashboard/login?token=…`). */
    createLoginLink(): string {
      const token = randomId()
      links.set(token, true)
      return token
    },
    /** A session for a valid link, which is used up; undefined otherwise. */
    signInWithLink(token: string): DashboardSession | undefined {
      if (!links.get(token)) return undefined
      links.delete(token)
      return open()
    },
    /** A session for the right password; undefined otherwise (or without a password). */
    signInWithPassword(password: string): DashboardSession | undefined {
      if (!passwordDigest) return undefined
      return timingSafeEqual(digest(password), passwordDigest) ? open() : undefined
    },
    find(id: string | undefined): DashboardSession | undefined {
      return id ? sessions.get(id) : undefined
    },
    /** Whether the session is still signed in, without counting this as use (a live stream asks). */
    isActive(session: DashboardSession): boolean {
      return sessions.has(session.id)
    },
    signOut(id: string): void {
      sessions.delete(id)
    },
    /** Whether `token` is this session's CSRF token (constant time). */
    csrfMatches(session: DashboardSession, token: unknown): boolean {
      return typeof token === 'string' && timingSafeEqual(digest(token), digest(session.csrf))
    },
  }
}

export type DashboardSessions = ReturnType<typeof createDashboardSessions>

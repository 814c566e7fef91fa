import { afterEach, describe, expect, it } from 'vitest'
import { isLoopback } from '../../src/dashboard/access-guard.js'
import { dashboardBaseUrl, dashboardLines } from '../../src/dashboard/dashboard-url.js'
import { type DashboardHarness, dashboardApp } from './dashboard-helpers.js'

const PASSWORD = 'correct horse battery'

describe('who may use the dashboard', () => {
  let harness: DashboardHarness | undefined
  afterEach(async () => {
    await harness?.app.close()
    harness = undefined
  })

  it('sends a signed-out reader to the sign-in page, and refuses a signed-out change', async () => {
    harness = await dashboardApp()
    const page = await harness.app.inject({ url: '/dashboard/applications?x=1' })
    expect(page.statusCode).toBe(303)
    expect(page.headers.location).toBe(
      `/dashboard/login?next=${encodeURIComponent('/dashboard/applications?x=1')}`,
    )
    const change = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/applications',
      payload: { name: 'nope' },
    })
    expect(change.statusCode).toBe(401)
  })

  it('signs in once per link: a used or unknown link is refused', async () => {
    harness = await dashboardApp()
    const token = harness.sessions.createLoginLink()
    const first = await harness.app.inject({ url: `/dashboard/login?token=${token}` })
    expect(first.statusCode).toBe(303)
    expect(first.headers.location).toBe('/dashboard')
    const cookie = String(first.headers['set-cookie'])
    expect(cookie).toMatch(/^m2m_dashboard=[\w-]{43}; Path=\/dashboard; HttpOnly; SameSite=Strict$/)
    const again = await harness.app.inject({ url: `/dashboard/login?token=${token}` })
    expect(again.statusCode).toBe(401)
    expect(again.body).toContain('has been used already or is unknown')
    expect(again.headers['set-cookie']).toBeUndefined()
  })

  it('signs in with DASHBOARD_PASSWORD, refuses a wrong one, and slows down guessing', async () => {
    harness = await dashboardApp({ password: PASSWORD })
    const form = await harness.app.inject({ url: '/dashboard/login' })
    expect(form.body).toContain('type="password"')
    const wrong = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/login',
      payload: { password: 'guess', next: '/dashboard/keys' },
    })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.body).toContain('Wrong password.')
    const right = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/login',
      payload: { password: PASSWORD, next: '/dashboard/keys' },
    })
    expect(right.statusCode).toBe(303)
    expect(right.headers.location).toBe('/dashboard/keys')
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) {
      const attempt = await harness.app.inject({
        method: 'POST',
        url: '/dashboard/login',
        payload: { password: `guess ${i}` },
      })
      statuses.push(attempt.statusCode)
    }
    expect(statuses).toContain(429)
  })

  it('never sends a person to another site after signing in', async () => {
    harness = await dashboardApp({ password: PASSWORD })
    for (const next of [
      'https://evil.example/',
      '//evil.example/dashboard',
      '/\\evil.example',
      '/api/v2/clients',
    ]) {
      const response = await harness.app.inject({
        method: 'POST',
        url: '/dashboard/login',
        payload: { password: PASSWORD, next },
      })
      expect(response.headers.location, next).toBe('/dashboard')
    }
  })

  it('refuses the password form when no password is set', async () => {
    harness = await dashboardApp()
    const response = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/login',
      payload: { password: 'anything at all' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.body).toContain('sign in with the one-time link')
  })

  it('refuses a change without the session’s CSRF token, or from another site', async () => {
    harness = await dashboardApp()
    const { cookie, csrf } = await harness.signIn()
    const before = harness.app.inject({ url: '/dashboard/applications', headers: { cookie } })
    const count = ((await before).body.match(/<tr>/g) ?? []).length
    for (const payload of [
      { name: 'x' },
      { name: 'x', _csrf: 'wrong' },
      { name: 'x', _csrf: '' },
    ]) {
      const response = await harness.app.inject({
        method: 'POST',
        url: '/dashboard/applications',
        headers: { cookie },
        payload,
      })
      expect(response.statusCode).toBe(403)
      expect(response.body).toContain('CSRF token missing or wrong')
    }
    const crossSite = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/applications',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
      payload: { name: 'x', _csrf: csrf },
    })
    expect(crossSite.statusCode).toBe(403)
    const after = await harness.app.inject({ url: '/dashboard/applications', headers: { cookie } })
    expect((after.body.match(/<tr>/g) ?? []).length).toBe(count)
    const viaHeader = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/applications',
      headers: { cookie, 'x-csrf-token': csrf, 'sec-fetch-site': 'same-origin' },
      payload: { name: 'made with the header' },
    })
    expect(viaHeader.statusCode).toBe(303)
  })

  it('answers loopback peers only, unless DASHBOARD_ALLOW_REMOTE', async () => {
    harness = await dashboardApp()
    const remote = await harness.app.inject({ url: '/dashboard', remoteAddress: '192.0.2.7' })
    expect(remote.statusCode).toBe(403)
    expect(remote.body).toContain('DASHBOARD_ALLOW_REMOTE')
    await harness.app.close()
    harness = await dashboardApp({ allowRemote: true })
    const allowed = await harness.app.inject({ url: '/dashboard', remoteAddress: '192.0.2.7' })
    expect(allowed.statusCode).toBe(303)
    expect(['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true)
    expect(['10.0.0.1', '::ffff:10.0.0.1', '::2', undefined, ''].some(isLoopback)).toBe(false)
  })

  it('signs out: the session cookie no longer opens anything', async () => {
    harness = await dashboardApp()
    const { cookie, csrf } = await harness.signIn()
    const out = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/logout',
      headers: { cookie },
      payload: { _csrf: csrf },
    })
    expect(out.statusCode).toBe(303)
    const after = await harness.app.inject({ url: '/dashboard', headers: { cookie } })
    expect(after.statusCode).toBe(303)
  })

  it('sends strict security headers, and its own pages for errors', async () => {
    harness = await dashboardApp()
    const { cookie } = await harness.signIn()
    const page = await harness.app.inject({ url: '/dashboard', headers: { cookie } })
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect(page.headers['cache-control']).toBe('no-store')
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    const missing = await harness.app.inject({ url: '/dashboard/nowhere', headers: { cookie } })
    expect(missing.statusCode).toBe(404)
    expect(missing.headers['content-type']).toContain('text/html')
    expect(missing.body).toContain('No dashboard page at /dashboard/nowhere.')
    const asset = await harness.app.inject({ url: '/dashboard/assets/dashboard.css' })
    expect(asset.statusCode).toBe(200)
    expect(asset.headers['content-type']).toBe('text/css; charset=utf-8')
    const noAsset = await harness.app.inject({ url: '/dashboard/assets/..%2Fpackage.json' })
    expect(noAsset.statusCode).not.toBe(200)
  })
})

describe('the start-up lines', () => {
  it('point a browser on this machine at the dashboard', () => {
    expect(dashboardBaseUrl('0.0.0.0', 4000)).toBe('http://127.0.0.1:4000')
    expect(dashboardBaseUrl('::1', 4000)).toBe('http://[::1]:4000')
    expect(dashboardLines('http://127.0.0.1:4000', '/dashboard/login?token=abc')).toEqual([
      'Dashboard: http://127.0.0.1:4000/dashboard (sign in once with http://127.0.0.1:4000/dashboard/login?token=abc)',
    ])
    expect(dashboardLines('http://127.0.0.1:4000', undefined)[0]).toContain('DASHBOARD_PASSWORD')
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { type DashboardHarness, dashboardApp } from './dashboard-helpers.js'

const QUESTION = 'Delete Storefront? Its grants go with it.'

describe('a change that cannot be undone waits for a "yes"', () => {
  let harness: DashboardHarness | undefined
  afterEach(async () => {
    await harness?.app.close()
    harness = undefined
  })

  it('asks on a page when the form came unanswered (no script), then makes it once answered', async () => {
    harness = await dashboardApp()
    const { cookie, csrf } = await harness.signIn()
    const url = '/dashboard/applications/storefront-dev/delete'
    const page = await harness.app.inject({
      url: '/dashboard/applications/storefront-dev',
      headers: { cookie },
    })
    expect(page.body).toContain(`name="_confirm" value="${QUESTION}"`)
    expect(page.body).toMatch(/<input type="hidden" name="_confirmed"( value(="")?)?\/>/)

    const held = await harness.app.inject({
      method: 'POST',
      url,
      headers: { cookie },
      payload: { _csrf: csrf, _confirm: QUESTION, _confirmed: '' },
    })
    expect(held.statusCode).toBe(200)
    expect(held.body).toContain('<h1>Are you sure?</h1>')
    expect(held.body).toContain(`<p>${QUESTION}</p>`)
    expect(held.body).toContain(`action="${url}"`)
    expect(held.body).toContain('name="_confirmed" value="yes"')
    expect(held.body).toContain('<a href="/dashboard/applications">Cancel</a>')
    expect(harness.state.client('storefront-dev')?.name).toBe('Storefront')

    const answered = await harness.app.inject({
      method: 'POST',
      url,
      headers: { cookie },
      payload: { _csrf: csrf, _confirm: QUESTION, _confirmed: 'yes' },
    })
    expect(answered.statusCode).toBe(303)
    expect(harness.state.client('storefront-dev')).toBeUndefined()
  })

  it('holds nothing without a CSRF token: the refusal comes first', async () => {
    harness = await dashboardApp()
    const { cookie } = await harness.signIn()
    const response = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/keys/rotate',
      headers: { cookie },
      payload: { _confirm: 'Rotate?', _confirmed: '' },
    })
    expect(response.statusCode).toBe(403)
  })
})

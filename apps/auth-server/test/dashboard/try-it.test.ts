import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GrantOption } from '../../src/dashboard/try-it/grant-options.js'
import {
  TenantUnansweredError,
  type TryExchangeDeps,
  tryExchange,
} from '../../src/dashboard/try-it/try-exchange.js'
import { devClient, devKeywords } from '../helpers/live-server.js'
import { type DashboardHarness, dashboardApp, ISSUER } from './dashboard-helpers.js'

const DEV_SECRETS = Object.entries(devKeywords as Record<string, string>)
  .filter(([name]) => name.endsWith('_SECRET'))
  .map(([, value]) => value)

const expectNoSecret = (text: string, secrets: readonly string[] = DEV_SECRETS) => {
  for (const secret of secrets) expect(text).not.toContain(secret)
}

interface TryAnswer {
  ok: boolean
  status: number
  error?: string
  error_description?: string
  token?: string
  expires_in?: number
  header?: Record<string, unknown>
  payload?: Record<string, unknown>
  verification?: { valid: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> }
  curl?: { getToken: string; callApi: string }
}

describe('/dashboard/try', () => {
  let harness: DashboardHarness
  let app: FastifyInstance
  let cookie: string
  let csrf: string
  /** Client grant ids by "application → audience". */
  const grants = new Map<string, string>()

  beforeAll(async () => {
    harness = await dashboardApp()
    app = harness.app
    ;({ cookie, csrf } = await harness.signIn())
    const page = await app.inject({ url: '/dashboard/try', headers: { cookie } })
    for (const match of page.body.matchAll(/<option value="(cgr_\w+)"[^>]*>([^<→]+) → /g)) {
      grants.set((match[2] as string).trim(), match[1] as string)
    }
  })
  afterAll(async () => {
    await harness.app.close()
  })

  const grantOf = (application: string) => {
    const id = grants.get(application)
    if (!id) throw new Error(`no grant listed for ${application}`)
    return id
  }

  /** POST the form as the page's script does: JSON back, CSRF in a header. */
  async function tryJson(form: Record<string, string>) {
    const response = await app.inject({
      method: 'POST',
      url: '/dashboard/try',
      headers: {
        cookie,
        accept: 'application/json',
        'x-csrf-token': csrf,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(form).toString(),
    })
    return { response, answer: response.json() as TryAnswer }
  }

  /** POST the form as a browser without JavaScript does. */
  function tryForm(form: Record<string, string>) {
    return app.inject({
      method: 'POST',
      url: '/dashboard/try',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
    })
  }

  async function logPage(query: string) {
    return (await app.inject({ url: `/dashboard/logs?${query}`, headers: { cookie } })).body
  }

  it('lists every grant to try, private_key_jwt applications disabled with a note, and no secret', async () => {
    const page = await app.inject({ url: '/dashboard/try', headers: { cookie } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<form id="try-form" method="post" action="/dashboard/try"')
    expect(page.body).toContain('<p id="try-status" role="status">')
    expect(page.body).toContain('<div id="try-result" aria-live="polite">')
    expect(page.body).toContain('<label for="try-grant">')
    expect(page.body).toContain('<label for="try-scope">')
    expect(page.body).toContain('<label for="try-organization">')
    expect(page.body).toContain(`name="_csrf" value="${csrf}"`)
    expect([...grants.keys()]).toEqual([
      'Gift Deliveries',
      'Gift Deliveries (secretless)',
      'Storefront',
      'Tenant Admin',
      'Limited Mapper',
      'Banned Device',
    ])
    expect(page.body).toMatch(
      /<option value="cgr_\w+" disabled>Gift Deliveries \(secretless\) → World Mappers API \(private_key_jwt\)<\/option>/,
    )
    expect(page.body).toContain('id="try-grant-note"')
    expectNoSecret(page.body)
  })

  it('preselects the grant a link names', async () => {
    const id = grantOf('Storefront')
    const page = await app.inject({ url: `/dashboard/try?grant=${id}`, headers: { cookie } })
    expect(page.body).toContain(
      `<option value="${id}" selected>Storefront → Gift Deliveries API</option>`,
    )
  })

  it('a granted pair (JSON): a real token, decoded and verified, the curl lines, and no secret', async () => {
    const { response, answer } = await tryJson({ grant: grantOf('Gift Deliveries') })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    expect(answer).toMatchObject({ ok: true, status: 200, expires_in: 86400 })
    expect(answer.token).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
    expect(answer.header).toMatchObject({ alg: 'RS256', typ: 'JWT' })
    expect(answer.payload).toMatchObject({
      iss: ISSUER,
      aud: 'urn:worldmappers',
      azp: gift.clientId,
      sub: `${gift.clientId}@clients`,
      scope: 'geocode:location reverse-geocode:location directions',
    })
    expect(answer.verification?.valid).toBe(true)
    expect(answer.verification?.checks.map((check) => [check.name, check.ok])).toEqual([
      ['signature', true],
      ['issuer', true],
      ['audience', true],
      ['expiry', true],
    ])
    expect(answer.verification?.checks[0]?.detail).toContain("of the tenant's JWKS")
    expect(answer.curl?.getToken).toBe(
      `curl -sS ${ISSUER}oauth/token --data-urlencode grant_type=client_credentials --data-urlencode client_id=${gift.clientId} --data-urlencode "client_secret=$CLIENT_SECRET" --data-urlencode audience=urn:worldmappers`,
    )
    expect(answer.curl?.callApi).toBe('curl -sS "$API_URL" -H "Authorization: Bearer $TOKEN"')
    expectNoSecret(response.body)
    // In the log like any other exchange.
    const log = await logPage(`client=${gift.clientId}&outcome=issued`)
    expect(log).toContain('<tr class="outcome-seccft"')
  })

  it('a granted pair (form, no JavaScript): the page shows the outcome, token, payload, verification and curl', async () => {
    const response = await tryForm({ grant: grantOf('Storefront'), scope: 'read:deliveries' })
    expect(response.statusCode).toBe(200)
    const html = response.body
    expect(html).toContain('<p id="try-status" role="status">Token issued.</p>')
    expect(html).toContain('Token issued (HTTP 200)')
    expect(html).toMatch(
      /<code class="token" data-copy="true">eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+<\/code>/,
    )
    expect(html).toContain('&quot;aud&quot;: &quot;urn:gift-deliveries&quot;')
    expect(html).toContain('&quot;scope&quot;: &quot;create:deliveries read:deliveries&quot;')
    expect(html).toContain('<h3>Verification: valid</h3>')
    expect(html).toContain('<th scope="row">signature</th>')
    expect(html).toContain('86400 s (24 h)')
    expect(html).toContain('--data-urlencode scope=read:deliveries')
    expect(html).toContain('&quot;client_secret=$CLIENT_SECRET&quot;')
    expect(html).toContain('Authorization: Bearer $TOKEN')
    // The form keeps what was asked.
    expect(html).toContain('name="scope" value="read:deliveries"')
    expectNoSecret(html)
  })

  it('names an organization: the token carries it', async () => {
    const { answer } = await tryJson({ grant: grantOf('Gift Deliveries'), organization: 'acme' })
    expect(answer.ok).toBe(true)
    expect(answer.payload).toMatchObject({ org_name: 'acme' })
    expect(answer.payload?.org_id).toMatch(/^org_/)
    expect(answer.curl?.getToken).toContain('--data-urlencode organization=acme')
  })

  it('a scope outside the grant: the OAuth error is shown and a feccft logged', async () => {
    const { response, answer } = await tryJson({
      grant: grantOf('Limited Mapper'),
      scope: 'geocode:location',
    })
    expect(response.statusCode).toBe(200)
    expect(answer).toEqual({
      ok: false,
      status: 403,
      error: 'access_denied',
      error_description: 'Client has not been granted scopes: geocode:location',
      curl: expect.objectContaining({
        getToken: expect.stringContaining('scope=geocode:location'),
      }),
    })
    const html = await tryForm({ grant: grantOf('Limited Mapper'), scope: 'geocode:location' })
    expect(html.body).toContain('<p id="try-status" role="status">Refused: access_denied.</p>')
    expect(html.body).toContain('Refused (HTTP 403)')
    expect(html.body).toContain(
      '<code>access_denied</code>: Client has not been granted scopes: geocode:location',
    )
    expectNoSecret(html.body)
    const log = await logPage('client=limited-mapper-dev&outcome=refused')
    expect(log.match(/<tr class="outcome-feccft"/g)).toHaveLength(2)
  })

  it('an Action that denies: its code and reason are the OAuth error', async () => {
    const { answer } = await tryJson({ grant: grantOf('Banned Device') })
    expect(answer).toMatchObject({
      ok: false,
      status: 400,
      error: 'invalid_request',
      error_description: 'This device has been banned',
    })
  })

  const badInput: Array<[what: string, form: () => Record<string, string>, problem: string]> = [
    ['no grant', () => ({}), 'Choose an application and API (a client grant) to try.'],
    [
      'an unknown grant',
      () => ({ grant: 'cgr_unknown' }),
      'No client grant cgr_unknown in this tenant: choose one from the list.',
    ],
    [
      'a private_key_jwt application',
      () => ({ grant: grantOf('Gift Deliveries (secretless)') }),
      'Gift Deliveries (secretless) cannot be tried here: it authenticates with private_key_jwt, and the dashboard holds no private key.',
    ],
    [
      'a malformed scope',
      () => ({ grant: grantOf('Storefront'), scope: 'read:deliveries "quoted"' }),
      'scope is malformed: "\\"quoted\\"" has a character no scope may have',
    ],
    [
      'a malformed organization',
      () => ({ grant: grantOf('Gift Deliveries'), organization: 'two words' }),
      "organization must be an organization's id (org_…) or name",
    ],
  ]
  for (const [what, form, problem] of badInput) {
    it(`refuses ${what} with a 400 that says what is wrong (JSON and page), making no exchange`, async () => {
      const before = await logPage('')
      const { response, answer } = await tryJson(form())
      expect(response.statusCode).toBe(400)
      expect(answer).toMatchObject({ ok: false, status: 400, error: 'invalid_request' })
      expect(answer.error_description).toContain(problem)
      const page = await tryForm(form())
      expect(page.statusCode).toBe(400)
      expect(page.body).toContain('<form id="try-form"')
      expect(page.body).toContain('<p class="flash flash-error">')
      expect(page.body).toContain('Not sent: ')
      // No exchange was made.
      expect(await logPage('')).toBe(before)
    })
  }

  it('refuses a POST without the CSRF token (403), header or field', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/dashboard/try',
      headers: { cookie, accept: 'application/json' },
      payload: { grant: grantOf('Gift Deliveries') },
    })
    expect(response.statusCode).toBe(403)
    expect(response.body).toContain('CSRF token missing or wrong')
    const wrong = await app.inject({
      method: 'POST',
      url: '/dashboard/try',
      headers: { cookie, 'x-csrf-token': 'not-the-token' },
      payload: { grant: grantOf('Gift Deliveries') },
    })
    expect(wrong.statusCode).toBe(403)
  })
})

const gift = devClient('GIFT_DELIVERIES')

describe('/dashboard/try with APIs signed otherwise', () => {
  let harness: DashboardHarness
  let cookie: string
  let csrf: string
  let authorization: string

  beforeAll(async () => {
    harness = await dashboardApp()
    ;({ cookie, csrf } = await harness.signIn())
    const admin = devClient('TENANT_ADMIN')
    const token = await harness.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: {
        grant_type: 'client_credentials',
        client_id: admin.clientId,
        client_secret: admin.clientSecret,
        audience: `${ISSUER}api/v2/`,
      },
    })
    authorization = `Bearer ${token.json().access_token}`
  })
  afterAll(async () => {
    await harness.app.close()
  })

  /** A new API signed with `alg`, granted to Storefront; its signing secret (HS256) too. */
  async function apiGrantedToStorefront(alg: string) {
    const identifier = `https://${alg.toLowerCase()}.example.com/`
    const api = await harness.app.inject({
      method: 'POST',
      url: '/api/v2/resource-servers',
      headers: { authorization },
      payload: { name: `${alg} API`, identifier, signing_alg: alg, scopes: [{ value: 'read:x' }] },
    })
    expect(api.statusCode).toBe(201)
    const grant = await harness.app.inject({
      method: 'POST',
      url: '/api/v2/client-grants',
      headers: { authorization },
      payload: { client_id: 'storefront-dev', audience: identifier, scope: ['read:x'] },
    })
    expect(grant.statusCode).toBe(201)
    return {
      identifier,
      grant: grant.json().id as string,
      signingSecret: api.json().signing_secret as string | undefined,
    }
  }

  for (const alg of ['HS256', 'PS256', 'RS512']) {
    it(`verifies a ${alg} token${alg === 'HS256' ? " with the API's signing secret, never shown" : ' against the JWKS'}`, async () => {
      const { identifier, grant, signingSecret } = await apiGrantedToStorefront(alg)
      const response = await harness.app.inject({
        method: 'POST',
        url: '/dashboard/try',
        headers: { cookie, accept: 'application/json', 'x-csrf-token': csrf },
        payload: { grant },
      })
      const answer = response.json() as TryAnswer
      expect(answer.ok).toBe(true)
      expect(answer.header?.alg).toBe(alg)
      expect(answer.verification?.valid).toBe(true)
      expect(answer.verification?.checks[0]?.detail).toBe(
        alg === 'HS256'
          ? "HS256, with the API's signing secret (not shown)"
          : `${alg}, with key ${String(answer.header?.kid)} of the tenant's JWKS`,
      )
      expect(answer.curl?.callApi).toBe(`curl -sS ${identifier} -H "Authorization: Bearer $TOKEN"`)
      const page = await harness.app.inject({
        method: 'POST',
        url: '/dashboard/try',
        headers: { cookie, 'x-csrf-token': csrf },
        payload: { grant },
      })
      expect(page.body).toContain('<h3>Verification: valid</h3>')
      if (alg === 'HS256') {
        expect(signingSecret).toBeTypeOf('string')
        expectNoSecret(response.body, [signingSecret as string])
        expectNoSecret(page.body, [signingSecret as string])
      }
      expectNoSecret(page.body)
    })
  }
})

describe('/dashboard/try when the token endpoint fails (an Action throws)', () => {
  let dir: string
  let harness: DashboardHarness
  let cookie: string
  let csrf: string
  let grant: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'try-it-'))
    await mkdir(join(dir, 'actions'))
    await writeFile(
      join(dir, 'actions', 'throws.js'),
      "export async function onExecuteCredentialsExchange() { throw new Error('boom') }\n",
    )
    await writeFile(join(dir, 'tenant.yaml'), FAILING_TENANT)
    harness = await dashboardApp({ tenantFile: join(dir, 'tenant.yaml') })
    ;({ cookie, csrf } = await harness.signIn())
    const page = await harness.app.inject({ url: '/dashboard/try', headers: { cookie } })
    grant = /<option value="(cgr_\w+)"/.exec(page.body)?.[1] as string
  })
  afterAll(async () => {
    await harness.app.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('answers 502 "The tenant did not answer", as JSON and as the page, never a 500', async () => {
    const json = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/try',
      headers: { cookie, accept: 'application/json', 'x-csrf-token': csrf },
      payload: { grant },
    })
    expect(json.statusCode).toBe(502)
    expect(json.json()).toEqual({
      ok: false,
      status: 502,
      error: 'tenant_unanswered',
      error_description:
        'The tenant did not answer: the token endpoint answered 500: Action "throws" failed to execute',
    })
    const page = await harness.app.inject({
      method: 'POST',
      url: '/dashboard/try',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { grant },
    })
    expect(page.statusCode).toBe(502)
    expect(page.body).toContain(
      '<p id="try-status" role="status">The tenant did not answer: the token endpoint answered 500',
    )
    expect(page.body).not.toContain('failing-secret-for-this-test')
  })
})

const FAILING_TENANT = `
resourceServers:
  - name: Test API
    identifier: urn:test
    signing_alg: RS256
    scopes:
      - value: read:x
clients:
  - name: Failing
    app_type: non_interactive
    grant_types:
      - client_credentials
    token_endpoint_auth_method: client_secret_post
    client_id: failing-dev
    client_secret: failing-secret-for-this-test-0123456789
clientGrants:
  - client_id: Failing
    audience: urn:test
    scope:
      - read:x
actions:
  - name: throws
    code: ./actions/throws.js
    runtime: node22
    supported_triggers:
      - id: credentials-exchange
        version: v2
    secrets: []
triggers:
  credentials-exchange:
    - action_name: throws
      display_name: throws
`

describe('tryExchange when the tenant does not answer', () => {
  const option: GrantOption = {
    id: 'cgr_1',
    clientId: 'storefront-dev',
    clientName: 'Storefront',
    audience: 'urn:gift-deliveries',
    apiName: 'Gift Deliveries API',
    scopes: [],
    organizationUsage: 'deny',
  }
  const state = { client: () => ({ client_secret: 'a-secret-for-this-test' }) }

  const failures: Array<[what: string, inject: () => Promise<unknown>, message: string]> = [
    [
      'a 5xx',
      async () => ({
        statusCode: 500,
        body: '{"error":"server_error","error_description":"Internal error"}',
      }),
      'the token endpoint answered 500: Internal error',
    ],
    [
      'no JSON',
      async () => ({ statusCode: 502, body: '<html>' }),
      'the token endpoint answered 502, not in JSON',
    ],
    ['no answer', () => Promise.reject(new Error('socket hang up')), 'socket hang up'],
  ]
  for (const [what, inject, message] of failures) {
    it(`throws TenantUnansweredError on ${what} (the route answers 502, the script says so)`, async () => {
      const deps = {
        app: { inject },
        state,
        keys: {},
        issuer: ISSUER,
      } as unknown as TryExchangeDeps
      const attempt = tryExchange(deps, option, { grant: option.id, scope: '', organization: '' })
      await expect(attempt).rejects.toThrow(TenantUnansweredError)
      await expect(attempt).rejects.toThrow(message)
    })
  }
})

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devTenantFile } from '../src/config.js'
import { checkTenantFile, type TenantCheckItem } from '../src/tenant/check-tenant.js'

// checkTenantFile: the loader's verdict on a file, every finding placed at its line.

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm2m-tenant-check-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function check(name: string, text: string, options = {}) {
  const file = join(dir, name)
  await writeFile(file, text)
  return checkTenantFile(file, options)
}

/** The findings as `line:column path: message`, to compare at a glance. */
const placed = (items: TenantCheckItem[]) =>
  items.map((item) => `${item.line}:${item.column} ${item.path ?? ''}: ${item.message}`.trim())

const VALID = `tenant:
  friendly_name: Shop
resourceServers:
  - name: Orders API
    identifier: urn:orders
    scopes:
      - value: read:orders
      - value: write:orders
clients:
  - name: Order Worker
    app_type: non_interactive
    callbacks: [https://example.com/cb]
    jwt_configuration:
      alg: RS256
  - name: Shop SPA
    app_type: spa
clientGrants:
  - client_id: Order Worker
    audience: urn:orders
    scope: [read:orders]
pages:
  login:
    enabled: true
`

describe('a file that loads', () => {
  it('says what loads, each entry at its line; what is ignored, at its line', async () => {
    const report = await check('valid.yaml', VALID)
    expect(report).toMatchObject({ ok: true, refused: [] })
    expect(report.code).toBeUndefined()
    expect(placed(report.ignored)).toEqual([
      '12:5 clients[0] ("Order Worker").callbacks: field not read by the local tenant',
      '13:5 clients[0] ("Order Worker").jwt_configuration: field not read by the local tenant',
      '21:1 pages: section not read by the local tenant (nothing M2M in it)',
    ])
    const loads = report.loads
    expect(loads?.apis.map((api) => [api.identifier, api.line, api.system])).toEqual([
      ['http://localhost:4000/api/v2/', undefined, true],
      ['urn:orders', 4, false],
    ])
    expect(loads?.clients).toEqual([
      expect.objectContaining({
        name: 'Order Worker',
        clientCredentials: true,
        audiences: ['urn:orders'],
        secret: 'generated',
        line: 10,
      }),
      expect.objectContaining({
        name: 'Shop SPA',
        appType: 'spa',
        clientCredentials: false,
        line: 15,
      }),
    ])
    expect(loads?.grants).toEqual([
      {
        client: 'Order Worker',
        audience: 'urn:orders',
        scopes: ['read:orders'],
        clientCredentials: true,
        line: 18,
      },
    ])
  })

  it('the issuer decides the Management API audience (default http://localhost:4000/)', async () => {
    const report = await check('valid-issuer.yaml', VALID, { issuer: 'https://tenant.example' })
    expect(report.issuer).toBe('https://tenant.example/')
    expect(report.loads?.apis[0]?.identifier).toBe('https://tenant.example/api/v2/')
  })

  it('the dev tenant loads, its keywords from keywords.json beside it, what it ignores placed', async () => {
    const report = await checkTenantFile(devTenantFile)
    expect(report.ok).toBe(true)
    expect(report.loads?.clients.map((c) => [c.name, c.secret])).toContainEqual([
      'Storefront',
      'given',
    ])
    expect(report.loads?.actions).toEqual([
      { name: 'deny-banned-device', line: expect.any(Number) },
    ])
    for (const item of report.ignored) expect(item.line).toBeGreaterThan(0)
  })

  it('a JSON tenant file is placed by line too', async () => {
    const report = await check(
      'valid.json',
      JSON.stringify({ clients: [{ name: 'A', logo_uri: 'https://x' }] }, null, 2),
    )
    expect(placed(report.ignored)).toEqual([
      '5:7 clients[0] ("A").logo_uri: field not read by the local tenant',
    ])
  })

  it('actions no trigger runs, and credentials without a key, are ignored', async () => {
    await writeFile(
      join(dir, 'action.js'),
      'export async function onExecuteCredentialsExchange() {}\n',
    )
    const report = await check(
      'actions.yaml',
      `actions:
  - name: post-login
    code: ./missing.js
    supported_triggers: [{ id: post-login, version: v3 }]
clients:
  - name: Keyed
    client_authentication_methods:
      private_key_jwt:
        credentials:
          - name: exported key
            credential_type: public_key
`,
    )
    expect(report.ok).toBe(true)
    expect(placed(report.ignored)).toEqual([
      '2:5 actions[0] ("post-login"): not bound to credentials-exchange: never runs here',
      '10:13 clients[0] ("Keyed").client_authentication_methods.private_key_jwt.credentials[0]: credential without pem (an export never holds the key): skipped, the client waits for keys from the Management API',
    ])
  })
})

describe('a file that would be refused: every problem, at its line', () => {
  const cases: Array<{
    name: string
    text: string
    code: string
    refused: string[]
    options?: object
  }> = [
    {
      name: 'a scope the API does not have',
      text: `resourceServers:
  - name: Orders API
    identifier: urn:orders
    scopes: [{ value: read:orders }]
clients:
  - name: Worker
clientGrants:
  - client_id: Worker
    audience: urn:orders
    scope:
      - read:orders
      - delete:everything
`,
      code: 'TENANT_ERR_INVALID',
      refused: [
        '12:9 clientGrants[0] ("Worker" → "urn:orders").scope[1]: "delete:everything" is not a scope of "urn:orders"',
      ],
    },
    {
      name: 'a keyword without a value',
      text: `clients:
  - name: Worker
    client_secret: "##WORKER_SECRET##"
`,
      code: 'TENANT_ERR_KEYWORD',
      refused: ['3:5 clients[0] ("Worker").client_secret: unknown keyword ##WORKER_SECRET##'],
    },
    {
      name: 'only the keywords without a value are refused',
      text: `clients:
  - name: Worker
    client_secret: "##WORKER_SECRET##"
    grant_types: ##GRANTS##
`,
      options: { keywordMappings: { WORKER_SECRET: 'x'.repeat(40) } },
      code: 'TENANT_ERR_KEYWORD',
      refused: ['4:5 clients[0] ("Worker").grant_types: unknown keyword ##GRANTS##'],
    },
    {
      name: 'schema problems, a missing field at its entry',
      text: `resourceServers:
  - identifier: urn:x
    token_lifetime: 99999999
clients:
  - name: Worker
    grant_types: client_credentials
`,
      code: 'TENANT_ERR_INVALID',
      refused: [
        '2:5 resourceServers[0].name: is required',
        '3:5 resourceServers[0].token_lifetime: must be <= 2592000 (got 99999999)',
        '6:5 clients[0] ("Worker").grant_types: must be array',
      ],
    },
    {
      name: 'a reference to nothing',
      text: `clientGrants:
  - client_id: Ghost
    audience: urn:nowhere
`,
      code: 'TENANT_ERR_INVALID',
      refused: [
        '2:5 clientGrants[0] ("Ghost" → "urn:nowhere").client_id: no client named "Ghost"',
        '3:5 clientGrants[0] ("Ghost" → "urn:nowhere").audience: no API with identifier "urn:nowhere"',
      ],
    },
    {
      name: 'a YAML syntax error, at its line and column',
      text: `clients:
  - name: Worker
    grant_types: [client_credentials
resourceServers: []
`,
      code: 'TENANT_ERR_SYNTAX',
      refused: [],
    },
    {
      name: 'a document that is a list',
      text: '- clients\n',
      code: 'TENANT_ERR_INVALID',
      refused: ['1:1 (document): must be a mapping of sections (got a list)'],
    },
  ]
  cases.forEach((c, i) => {
    it(c.name, async () => {
      const report = await check(`broken-${i}.yaml`, c.text, c.options)
      expect(report.ok).toBe(false)
      expect(report.code).toBe(c.code)
      expect(report.loads).toBeUndefined()
      if (c.code === 'TENANT_ERR_SYNTAX') {
        expect(report.refused).toHaveLength(1)
        expect(report.refused[0]).toMatchObject({ line: 4, column: 1 })
        expect(report.refused[0]?.message).toMatch(/^YAML syntax error at line 4, column 1: /)
      } else {
        expect(placed(report.refused)).toEqual(c.refused)
      }
    })
  })

  it('ignored fields are still listed when the file is refused', async () => {
    const report = await check(
      'refused-ignored.yaml',
      'clients:\n  - name: A\n    logo_uri: x\n    client_secret: short\n',
    )
    expect(report.ok).toBe(false)
    expect(placed(report.ignored)).toEqual([
      '3:5 clients[0] ("A").logo_uri: field not read by the local tenant',
    ])
  })
})

describe('what is not a check result', () => {
  it('a file that does not exist throws TENANT_ERR_READ', async () => {
    await expect(checkTenantFile(join(dir, 'nope.yaml'))).rejects.toMatchObject({
      code: 'TENANT_ERR_READ',
    })
  })

  it('a file that is neither YAML nor JSON by name throws TENANT_ERR_FORMAT', async () => {
    await expect(checkTenantFile(join(FIXTURES, 'actions/throws.cjs'))).rejects.toMatchObject({
      code: 'TENANT_ERR_FORMAT',
    })
  })
})

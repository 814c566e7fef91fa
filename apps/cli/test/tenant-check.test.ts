import { writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { devTenantFile } from '@m2m/auth-server'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../src/index.js'
import { runInProcess, spawnCli, tempDir } from './helpers/run-cli.js'

// `m2m tenant check`: the local tenant's verdict on a tenant file, offline,
// each finding at its line; exit 0 when it loads, 5 when it would be refused.

/** The Auth0 Deploy CLI's own exports (MIT), kept by apps/auth-server as fixtures. */
const DEPLOY_CLI = resolve(dirname(devTenantFile), '../../test/fixtures/deploy-cli')
const EXPORTS = [
  'examples-yaml',
  'e2e/empty-tenant',
  'e2e/keyword-replacements/yaml',
  'e2e/lots-of-configuration',
  'e2e/should-deploy-without-throwing-an-error',
  'e2e/should-preserve-keywords/yaml',
]

const check = (args: string[], options: Parameters<typeof runInProcess>[1] = {}) =>
  runInProcess(['tenant', 'check', ...args], options)

describe('files that load: exit 0', () => {
  it('the dev tenant: what loads, each client at its line', async () => {
    const result = await check([devTenantFile])
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(result.stdout).toContain(`${devTenantFile}: checked for the local tenant`)
    expect(result.stdout).toMatch(
      /\n {4}\d+ +Storefront +non_interactive +tokens for urn:gift-deliveries; secret from the file\n/,
    )
    expect(result.stdout).toMatch(
      /\n {4}\d+ +Storefront → urn:gift-deliveries: create:deliveries read:deliveries\n/,
    )
    expect(result.stdout).toMatch(
      /Credentials-exchange actions \(1, run in this order\)\n {4}\d+ +deny-banned-device\n/,
    )
    expect(result.stdout).toContain('Refused: nothing')
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      `OK: the local tenant would load ${devTenantFile}.`,
    )
  })

  for (const name of EXPORTS) {
    it(`the Deploy CLI export ${name}`, async () => {
      const result = await check([join(DEPLOY_CLI, name, 'tenant.yaml'), '--json'])
      expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
      const report = JSON.parse(result.stdout)
      expect(report).toMatchObject({ ok: true, refused: [] })
      for (const item of report.ignored) expect(item.line).toBeGreaterThan(0)
    })
  }

  it('lots-of-configuration: ignored sections and fields at their lines, grouped by entry', async () => {
    const result = await check([join(DEPLOY_CLI, 'e2e/lots-of-configuration/tenant.yaml')])
    expect(result.code).toBe(ExitCode.OK)
    expect(result.stdout).toMatch(/\n {2}1:1 +rules: section not read by the local tenant/)
    expect(result.stdout).toMatch(
      /\n {2}21:5 +clients\[0\] \("API Explorer Application"\): allowed_clients, callbacks, .* \(fields not read\)\n/,
    )
    expect(result.stdout).toMatch(
      /\n {2}680:5 +actions\[0\] \("My Custom Action"\): not bound to credentials-exchange/,
    )
    // An export's Management API grant is a grant to the local one.
    expect(result.stdout).toMatch(
      /API Explorer Application +non_interactive +tokens for http:\/\/localhost:4000\/api\/v2\/; secret generated at first start/,
    )
  })

  it('--issuer sets the Management API audience', async () => {
    const result = await check([
      join(DEPLOY_CLI, 'e2e/lots-of-configuration/tenant.yaml'),
      '--issuer',
      'http://127.0.0.1:4100',
      '--json',
    ])
    expect(JSON.parse(result.stdout).loads.apis[0].identifier).toBe('http://127.0.0.1:4100/api/v2/')
  })
})

describe('files the tenant would refuse: every problem at its line, exit 5', () => {
  const cases = [
    {
      name: 'an unknown key is ignored, at its line (and does not fail the check)',
      text: 'clients:\n  - name: Worker\n    colour: blue\n',
      code: ExitCode.OK,
      lines: ['  3:5  clients[0] ("Worker"): colour (field not read)'],
    },
    {
      name: 'a scope the API does not have is refused, at its line',
      text: `resourceServers:
  - name: Orders
    identifier: urn:orders
    scopes: [{ value: read:orders }]
clients:
  - name: Worker
clientGrants:
  - client_id: Worker
    audience: urn:orders
    scope: [read:orders, drop:tables]
`,
      code: ExitCode.REFUSED,
      lines: [
        'Refused (TENANT_ERR_INVALID, 1 problem):',
        '  10:26  clientGrants[0] ("Worker" → "urn:orders").scope[1]: "drop:tables" is not a scope of "urn:orders"',
      ],
    },
    {
      name: 'a keyword without a value is refused, at its line',
      text: 'clients:\n  - name: Worker\n    client_secret: "##WORKER_SECRET##"\n',
      code: ExitCode.REFUSED,
      lines: [
        'Refused (TENANT_ERR_KEYWORD, 1 problem):',
        '  3:5  clients[0] ("Worker").client_secret: unknown keyword ##WORKER_SECRET##',
      ],
    },
    {
      name: 'a YAML syntax error is refused, at its line and column',
      text: 'clients:\n  - name: "Worker\n    app_type: spa\n',
      code: ExitCode.REFUSED,
      lines: [
        'Refused (TENANT_ERR_SYNTAX, 1 problem):',
        '  4:1  YAML syntax error at line 4, column 1: ',
      ],
    },
  ]
  cases.forEach((c, i) => {
    it(c.name, async () => {
      const cwd = tempDir({ [`tenant-${i}.yaml`]: c.text })
      const result = await check([`tenant-${i}.yaml`], { cwd })
      expect(result.code).toBe(c.code)
      expect(result.stderr).toBe('')
      for (const line of c.lines) expect(result.stdout).toContain(line)
      if (c.code === ExitCode.REFUSED) {
        expect(result.stdout).not.toContain('\nLoads\n')
        expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
          `REFUSED: the local tenant would not start with tenant-${i}.yaml.`,
        )
      }
    })
  })

  it('--json gives the same findings, each with line and column', async () => {
    const cwd = tempDir({
      'tenant.yaml': 'clients:\n  - name: Worker\n    client_secret: "##SECRET##"\n',
    })
    const result = await check(['tenant.yaml', '--json'], { cwd })
    expect(result.code).toBe(ExitCode.REFUSED)
    expect(JSON.parse(result.stdout)).toMatchObject({
      file: join(cwd, 'tenant.yaml'),
      ok: false,
      code: 'TENANT_ERR_KEYWORD',
      refused: [
        {
          path: 'clients[0] ("Worker").client_secret',
          line: 3,
          column: 5,
          message: 'unknown keyword ##SECRET##',
        },
      ],
    })
  })
})

describe('keyword mappings, as the tenant takes them', () => {
  const text = 'clients:\n  - name: Worker\n    client_secret: "##SECRET##"\n'
  const secret = 'a-local-secret-of-at-least-32-characters'

  it('--keyword-mappings <json>', async () => {
    const cwd = tempDir({ 'tenant.yaml': text })
    const result = await check(
      ['tenant.yaml', '--keyword-mappings', JSON.stringify({ SECRET: secret })],
      {
        cwd,
      },
    )
    expect(result.code).toBe(ExitCode.OK)
    expect(result.stdout).toMatch(
      /Worker +non_interactive +no client grant: no tokens yet; secret from the file/,
    )
  })

  it('--keyword-mappings <file>, relative to the working directory', async () => {
    const cwd = tempDir({
      'tenant.yaml': text,
      'mappings.json': JSON.stringify({ SECRET: secret }),
    })
    expect((await check(['tenant.yaml', '-k', 'mappings.json'], { cwd })).code).toBe(ExitCode.OK)
  })

  it('AUTH0_KEYWORD_REPLACE_MAPPINGS from the environment or ./.env; the flag wins', async () => {
    const cwd = tempDir({
      'tenant.yaml': text,
      '.env': `AUTH0_KEYWORD_REPLACE_MAPPINGS='${JSON.stringify({ SECRET: secret })}'\n`,
    })
    expect((await check(['tenant.yaml'], { cwd })).code).toBe(ExitCode.OK)
    const flagWins = await check(['tenant.yaml', '-k', '{"OTHER":"x"}'], { cwd })
    expect(flagWins.code).toBe(ExitCode.REFUSED)
  })

  it('keywords.json beside the file is read, as the tenant reads it', async () => {
    const cwd = tempDir({ 'tenant.yaml': text })
    writeFileSync(join(cwd, 'keywords.json'), JSON.stringify({ SECRET: secret }))
    expect((await check(['tenant.yaml'], { cwd })).code).toBe(ExitCode.OK)
  })
})

describe('nothing to check: one line on stderr, exit 2', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['a file that does not exist', ['missing.yaml'], /^m2m: Cannot read .*missing\.yaml: ENOENT/],
    [
      'a file that is not .yaml/.yml/.json',
      ['tenant.txt'],
      /must end with \.yaml, \.yml or \.json/,
    ],
    [
      'mappings that are not a JSON object',
      ['tenant.yaml', '--keyword-mappings', '{"a":'],
      /^m2m: Invalid keyword mappings \(--keyword-mappings\): not valid JSON/,
    ],
    [
      'an issuer that is not a URL',
      ['tenant.yaml', '--issuer', 'nope'],
      /issuer must be an absolute URL/,
    ],
    ['no file at all', [], /^m2m: missing required argument 'file' \(see --help\)\n$/],
  ]
  for (const [name, args, stderr] of cases) {
    it(name, async () => {
      const cwd = tempDir({ 'tenant.yaml': 'clients: []\n', 'tenant.txt': '' })
      const result = await check(args, { cwd })
      expect(result.code).toBe(ExitCode.USAGE)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(stderr)
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    })
  }
})

describe('m2m tenant check as a process', () => {
  it('exits 5 for a refused file, 0 for one that loads', async () => {
    const cwd = tempDir({
      'bad.yaml': 'clientGrants:\n  - client_id: Ghost\n    audience: urn:x\n',
      'good.yaml': 'clients:\n  - name: Fine\n',
    })
    const bad = await spawnCli(['tenant', 'check', 'bad.yaml'], { cwd })
    expect(bad.code).toBe(5)
    expect(bad.stderr).toBe('')
    expect(bad.stdout).toContain(
      '  2:5  clientGrants[0] ("Ghost" → "urn:x").client_id: no client named "Ghost"',
    )
    const good = await spawnCli(['tenant', 'check', 'good.yaml'], { cwd })
    expect(good).toMatchObject({ code: 0, stderr: '' })
  })
})

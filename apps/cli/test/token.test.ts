import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../src/index.js'
import { runInProcess, tempDir } from './helpers/run-cli.js'
import { devCredentialsEnv, devKeywords, startTenant, type Tenant } from './helpers/tenant.js'

let tenant: Tenant
beforeAll(async () => {
  tenant = await startTenant()
})
afterAll(async () => {
  await tenant?.close()
})

const storefrontSecret = devKeywords.STOREFRONT_CLIENT_SECRET as string
const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<
    string,
    unknown
  >

describe('m2m token', () => {
  it('prints only the access token, for the AUTH0_* client and audience', async () => {
    const result = await runInProcess(['token'], {
      env: {
        ISSUER_BASE_URL: tenant.issuer,
        AUTH0_CLIENT_ID: devKeywords.STOREFRONT_CLIENT_ID as string,
        AUTH0_CLIENT_SECRET: storefrontSecret,
        AUTH0_AUDIENCE: 'urn:gift-deliveries',
      },
    })
    expect(result).toMatchObject({ code: ExitCode.OK, stderr: '' })
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    expect(payloadOf(result.stdout.trim())).toMatchObject({
      iss: tenant.issuer,
      aud: 'urn:gift-deliveries',
      azp: 'storefront-dev',
      scope: 'create:deliveries read:deliveries',
    })
  })

  it('--decode prints the payload as JSON', async () => {
    const result = await runInProcess(
      ['token', '--decode', '--profile', 'gift-deliveries', '--audience', 'urn:worldmappers'],
      { env: { ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv } },
    )
    expect(result.code).toBe(ExitCode.OK)
    const payload = JSON.parse(result.stdout)
    expect(payload).toMatchObject({
      sub: 'gift-deliveries-dev@clients',
      aud: 'urn:worldmappers',
      gty: 'client-credentials',
    })
    expect(payload.exp - payload.iat).toBe(86_400)
  })

  it('--scope and --organization reach the token endpoint', async () => {
    const result = await runInProcess(
      [
        'token',
        '--decode',
        '--issuer',
        tenant.issuer,
        '--profile',
        'gift-deliveries',
        '--audience',
        'urn:worldmappers',
        '--scope',
        'directions',
        '--organization',
        'acme',
      ],
      { env: devCredentialsEnv },
    )
    expect(result.code).toBe(ExitCode.OK)
    // Auth0 grants every scope of the grant, whatever subset is asked for.
    expect(JSON.parse(result.stdout)).toMatchObject({ org_name: 'acme' })
  })

  describe('precedence: flags over the environment, the environment over the env file', () => {
    const file = (clientId: string, secret: string) =>
      `# a dotenv file\nISSUER_BASE_URL=http://127.0.0.1:1/\nAUTH0_CLIENT_ID=${clientId}\nAUTH0_CLIENT_SECRET="${secret}"\nAUTH0_AUDIENCE=urn:worldmappers\n`
    const gd = [
      devKeywords.GIFT_DELIVERIES_CLIENT_ID as string,
      devKeywords.GIFT_DELIVERIES_CLIENT_SECRET as string,
    ] as const
    const sf = [devKeywords.STOREFRONT_CLIENT_ID as string, storefrontSecret] as const

    it('reads ./.env in the working directory', async () => {
      const cwd = tempDir({ '.env': file(...gd) })
      const result = await runInProcess(['token', '--decode'], {
        cwd,
        env: { ISSUER_BASE_URL: tenant.issuer },
      })
      expect(result.code).toBe(ExitCode.OK)
      expect(JSON.parse(result.stdout)).toMatchObject({ azp: 'gift-deliveries-dev' })
    })

    it('--env-file replaces ./.env; the environment beats both', async () => {
      const cwd = tempDir({ '.env': 'AUTH0_CLIENT_ID=nobody\n', 'other.env': file(...gd) })
      const fromFile = await runInProcess(['token', '--decode', '--env-file', 'other.env'], {
        cwd,
        env: { ISSUER_BASE_URL: tenant.issuer },
      })
      expect(JSON.parse(fromFile.stdout)).toMatchObject({ azp: 'gift-deliveries-dev' })

      const fromEnv = await runInProcess(['token', '--decode', '--env-file', 'other.env'], {
        cwd,
        env: {
          ISSUER_BASE_URL: tenant.issuer,
          AUTH0_CLIENT_ID: sf[0],
          AUTH0_CLIENT_SECRET: sf[1],
          AUTH0_AUDIENCE: 'urn:gift-deliveries',
        },
      })
      expect(JSON.parse(fromEnv.stdout)).toMatchObject({
        azp: 'storefront-dev',
        aud: 'urn:gift-deliveries',
      })
    })

    it('flags beat the environment', async () => {
      const result = await runInProcess(
        [
          'token',
          '--decode',
          '--client-id',
          sf[0],
          '--client-secret',
          sf[1],
          '--audience',
          'urn:gift-deliveries',
          '--issuer',
          tenant.issuer,
        ],
        {
          cwd: tempDir({ '.env': file(...gd) }),
          env: {
            AUTH0_CLIENT_ID: gd[0],
            AUTH0_CLIENT_SECRET: gd[1],
            ISSUER_BASE_URL: 'http://127.0.0.1:1/',
          },
        },
      )
      expect(result.code).toBe(ExitCode.OK)
      expect(JSON.parse(result.stdout)).toMatchObject({ azp: 'storefront-dev' })
    })

    it('an empty variable counts as unset', async () => {
      const result = await runInProcess(['token', '--decode'], {
        cwd: tempDir({ '.env': file(...gd) }),
        env: { ISSUER_BASE_URL: tenant.issuer, AUTH0_CLIENT_ID: '' },
      })
      expect(JSON.parse(result.stdout)).toMatchObject({ azp: 'gift-deliveries-dev' })
    })
  })

  describe('errors: one line on stderr, an exit code, never the secret', () => {
    const cases: Array<{
      name: string
      args: string[]
      env?: Record<string, string>
      code: number
      stderr: RegExp
    }> = [
      {
        name: 'a wrong secret',
        args: ['token', '--profile', 'storefront', '--audience', 'urn:gift-deliveries'],
        env: {
          STOREFRONT_CLIENT_ID: 'storefront-dev',
          STOREFRONT_CLIENT_SECRET: 'wrong-secret-0123456789',
        },
        code: ExitCode.AUTH,
        stderr:
          /^m2m: could not get a token: The token endpoint answered 401: access_denied \(Unauthorized\)\n$/,
      },
      {
        name: 'an audience that is no API of the tenant',
        args: ['token', '--profile', 'storefront', '--audience', 'urn:nowhere'],
        code: ExitCode.AUTH,
        stderr: /answered 403: access_denied \(Service not enabled within domain: urn:nowhere\)\n$/,
      },
      {
        name: 'an API the client has no grant for',
        args: ['token', '--profile', 'storefront', '--audience', 'urn:worldmappers'],
        code: ExitCode.AUTH,
        stderr:
          /answered 403: access_denied \(Client is not authorized to access "urn:worldmappers"/,
      },
      {
        name: 'no client id',
        args: ['token', '--profile', 'nobody'],
        code: ExitCode.USAGE,
        stderr: /^m2m: no client id: give --client-id or set NOBODY_CLIENT_ID /,
      },
      {
        name: 'no client secret',
        args: ['token', '--client-id', 'storefront-dev'],
        code: ExitCode.USAGE,
        stderr: /^m2m: no client secret: give --client-secret or set AUTH0_CLIENT_SECRET /,
      },
      {
        name: 'a missing --env-file',
        args: ['token', '--env-file', 'missing.env'],
        code: ExitCode.USAGE,
        stderr: /^m2m: --env-file: cannot read .*missing\.env \(ENOENT\)\n$/,
      },
      {
        name: '--issuer and --domain together',
        args: ['token', '--issuer', 'http://127.0.0.1:1/', '--domain', 'tenant.auth0.com'],
        code: ExitCode.USAGE,
        stderr: /^m2m: option '--issuer <url>' cannot be used with option '--domain <host>'/,
      },
      {
        name: 'a bad --profile',
        args: ['token', '--profile', 'a b'],
        code: ExitCode.USAGE,
        stderr: /^m2m: --profile must be a name/,
      },
      {
        name: 'a bad ISSUER_BASE_URL',
        args: ['token'],
        env: { ISSUER_BASE_URL: 'ftp://example.com' },
        code: ExitCode.USAGE,
        stderr: /^m2m: ISSUER_BASE_URL must be an http\(s\) URL, got "ftp:\/\/example.com"\n$/,
      },
      {
        name: 'ISSUER_BASE_URL and AUTH0_DOMAIN both set',
        args: ['token'],
        env: { ISSUER_BASE_URL: 'http://127.0.0.1:1/', AUTH0_DOMAIN: 'tenant.auth0.com' },
        code: ExitCode.USAGE,
        stderr: /^m2m: ISSUER_BASE_URL and AUTH0_DOMAIN are both set \(environment\): keep one\n$/,
      },
    ]
    for (const c of cases) {
      it(c.name, async () => {
        const result = await runInProcess(c.args, {
          env: { ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv, ...c.env },
        })
        expect(result.code).toBe(c.code)
        expect(result.stdout).toBe('')
        expect(result.stderr).toMatch(c.stderr)
        expect(result.stderr.split('\n')).toHaveLength(2)
        for (const secret of [storefrontSecret, 'wrong-secret-0123456789']) {
          expect(result.stderr).not.toContain(secret)
        }
      })
    }

    it('an unreachable issuer is a token error (3), after a few retries', async () => {
      const result = await runInProcess(
        ['token', '--profile', 'storefront', '--issuer', 'http://127.0.0.1:1/'],
        {
          env: devCredentialsEnv,
        },
      )
      expect(result.code).toBe(ExitCode.AUTH)
      expect(result.stderr).toMatch(/^m2m: could not get a token: .*\n$/)
    })
  })
})

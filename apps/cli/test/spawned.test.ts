import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../src/index.js'
import { spawnCli, tempDir } from './helpers/run-cli.js'
import { devCredentialsEnv, devKeywords, startTenant, type Tenant } from './helpers/tenant.js'

// Real processes, started as the root `pnpm m2m` script starts them: exit codes,
// what goes to stdout and what to stderr, env files, signals.
let tenant: Tenant
beforeAll(async () => {
  tenant = await startTenant()
})
afterAll(async () => {
  await tenant?.close()
})

const storefront = ['--profile', 'storefront', '--audience', 'urn:gift-deliveries']
const secrets = Object.entries(devKeywords)
  .filter(([name]) => name.endsWith('_SECRET'))
  .map(([, value]) => value)

describe('--help everywhere', () => {
  const commands = [
    [],
    ['token'],
    ['call'],
    ['decode'],
    ['logs'],
    ['deliveries'],
    ['deliveries', 'create'],
    ['deliveries', 'get'],
    ['deliveries', 'list'],
    ['tenant'],
    ['tenant', 'check'],
  ]
  for (const command of commands) {
    it(`m2m ${[...command, '--help'].join(' ')} prints usage on stdout, exit 0`, async () => {
      const result = await spawnCli([...command, '--help'])
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(result.stdout).toMatch(new RegExp(`^Usage: m2m ${command.join(' ')}`.trimEnd()))
    })
  }

  it('the top-level help documents the exit codes and variables', async () => {
    const { stdout } = await spawnCli(['--help'])
    for (const line of [
      '0  success',
      '2  usage',
      '3  no token',
      '4  the API could not',
      '5  tenant check',
      '130',
    ]) {
      expect(stdout).toContain(line)
    }
    expect(stdout).toContain('AUTH0_AUDIENCE')
    expect(stdout).toContain('GIFT_DELIVERIES_URL')
  })

  it('no command prints the help on stderr and exits 2', async () => {
    const result = await spawnCli([])
    expect(result.code).toBe(ExitCode.USAGE)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^Usage: m2m /)
  })

  it('an unknown option is one line on stderr, exit 2', async () => {
    const result = await spawnCli(['token', '--decdoe'])
    expect(result).toMatchObject({
      code: ExitCode.USAGE,
      stdout: '',
      stderr: "m2m: unknown option '--decdoe' (Did you mean --decode?) (see --help)\n",
    })
  })
})

describe('m2m token as a process', () => {
  it('stdout holds the token and a newline, nothing else; stderr is empty', async () => {
    const result = await spawnCli(['token', ...storefront], {
      env: { ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv },
    })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/)
  })

  it('reads ./.env, the environment beats it, a flag beats both', async () => {
    const cwd = tempDir({
      '.env': `ISSUER_BASE_URL=${tenant.issuer}\nAUTH0_CLIENT_ID=storefront-dev\nAUTH0_CLIENT_SECRET=${devKeywords.STOREFRONT_CLIENT_SECRET}\nAUTH0_AUDIENCE=urn:worldmappers\n`,
    })
    const azpAndAud = async (args: string[], env: Record<string, string> = {}) => {
      const result = await spawnCli(['token', '--decode', ...args], { cwd, env })
      const payload = result.code === 0 ? JSON.parse(result.stdout) : {}
      return { code: result.code, aud: payload.aud, stderr: result.stderr }
    }
    // The file's audience: Storefront has no grant there.
    expect(await azpAndAud([])).toMatchObject({ code: ExitCode.AUTH })
    expect(await azpAndAud([], { AUTH0_AUDIENCE: 'urn:gift-deliveries' })).toMatchObject({
      code: 0,
      aud: 'urn:gift-deliveries',
    })
    expect(
      await azpAndAud(['--audience', 'urn:gift-deliveries'], { AUTH0_AUDIENCE: 'urn:nowhere' }),
    ).toMatchObject({ code: 0, aud: 'urn:gift-deliveries' })
  })

  it('a wrong secret: exit 3, one line on stderr, no secret and no stack trace', async () => {
    const wrong = 'not-the-storefront-secret-0123456789abcdef'
    const result = await spawnCli(['token', ...storefront, '--client-secret', wrong], {
      env: { ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv },
    })
    expect(result).toMatchObject({
      code: ExitCode.AUTH,
      stdout: '',
      stderr:
        'm2m: could not get a token: The token endpoint answered 401: access_denied (Unauthorized)\n',
    })
    for (const secret of [wrong, ...secrets]) {
      expect(result.stdout + result.stderr).not.toContain(secret)
    }
  })
})

describe('pipes and signals', () => {
  it('token | decode - --verify', async () => {
    const env = { ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv }
    const token = await spawnCli(['token', ...storefront], { env })
    const decoded = await spawnCli(['decode', '-', '--verify'], { env, stdin: token.stdout })
    expect(decoded.code).toBe(0)
    expect(JSON.parse(decoded.stdout)).toMatchObject({
      verified: true,
      payload: { azp: 'storefront-dev' },
    })
  })

  it('a pipe gets plain JSON, even with FORCE_COLOR (colour is for terminals)', async () => {
    const env = { ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv, FORCE_COLOR: '1' }
    const token = await spawnCli(['token', ...storefront], { env })
    expect(token.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/)
    const decoded = await spawnCli(['decode', '-'], { env, stdin: token.stdout })
    expect(decoded.code).toBe(0)
    expect(decoded.stdout).not.toContain('\u001b[')
    expect(JSON.parse(decoded.stdout).payload).toMatchObject({ azp: 'storefront-dev' })
  })

  it('logs --follow stops on SIGINT with exit 130 and nothing on stderr', async () => {
    let child: ReturnType<typeof spawn> | undefined
    let interrupted = false
    const result = await spawnCli(['logs', '--follow', '--interval', '0.2'], {
      env: { ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv },
      onSpawn: (c) => {
        child = c
      },
      // Once the first page is out, the command is polling: interrupt it.
      onStdout: (out) => {
        if (!interrupted && out.includes('tenant-admin-dev')) {
          interrupted = true
          child?.kill('SIGINT')
        }
      },
    })
    expect(interrupted).toBe(true)
    expect(result.code).toBe(ExitCode.INTERRUPTED)
    expect(result.stderr).toBe('')
  })
})

describe('pnpm m2m from the repository root', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url))

  it('pnpm -s m2m token prints just the token', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn('pnpm', ['-s', 'm2m', 'token', ...storefront], {
          cwd: root,
          env: { ...process.env, ISSUER_BASE_URL: tenant.issuer, ...devCredentialsEnv },
        })
        let stdout = ''
        let stderr = ''
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          stdout += c
        })
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr += c
        })
        child.once('error', reject)
        child.once('close', (code) => resolve({ code, stdout, stderr }))
      },
    )
    // stderr is pnpm's to use (update notices); stdout must be the token alone.
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/)
  })
})

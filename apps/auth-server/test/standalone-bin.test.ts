import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '@m2m/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { binPath, ensureBuilt } from './helpers/built-bin.js'

// The `m2m-tenant` bin as a user runs it: `bin/m2m-tenant.js` on the built
// code, in a directory of the user's own, with a tenant.yaml that has no secrets.

const TENANT_YAML = `# A user's own export: no client ids, no secrets, a keyword.
resourceServers:
  - name: Inventory API
    identifier: "##INVENTORY_AUDIENCE##"
    scopes:
      - value: read:stock
clients:
  - name: Warehouse Robot
    app_type: non_interactive
    grant_types: [client_credentials]
    callbacks: [https://example.com/ignored]
clientGrants:
  - client_id: Warehouse Robot
    audience: "##INVENTORY_AUDIENCE##"
    scope: [read:stock]
pages:
  login:
    enabled: false
`

let workDir: string
beforeAll(async () => {
  await ensureBuilt()
  workDir = await mkdtemp(join(tmpdir(), 'm2m-tenant-bin-'))
  await writeFile(join(workDir, 'tenant.yaml'), TENANT_YAML)
}, 300_000)
afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true })
})

interface BinProcess {
  child: ChildProcess
  exited: Promise<number | null>
  output(): { stdout: string; stderr: string }
  until(text: string): Promise<void>
}

function runBin(args: string[], env: Record<string, string> = {}): BinProcess {
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: workDir,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    async until(text) {
      const deadline = Date.now() + 30_000
      while (!stdout.includes(text)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`no "${text}" from m2m-tenant:\n${stdout}\n${stderr}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
  }
}

/** Whether anything accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** `KEY=value` lines of the data directory's client-secrets.env. */
async function clientSecretsEnv(dataDir: string): Promise<Record<string, string>> {
  const text = await readFile(join(dataDir, 'client-secrets.env'), 'utf8')
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
}

describe('m2m-tenant --help and --version', () => {
  it('--help prints the usage with every flag and the variable each wins over, exit 0', async () => {
    const bin = runBin(['--help'])
    expect(await bin.exited).toBe(0)
    const { stdout, stderr } = bin.output()
    expect(stderr).toBe('')
    expect(stdout).toMatch(/^Usage: m2m-tenant \[options\]/)
    for (const [flag, variable] of [
      ['--tenant <file>', 'TENANT_FILE'],
      ['--port <port>', 'PORT'],
      ['--host <host>', 'HOST'],
      ['--issuer <url>', 'ISSUER_BASE_URL'],
      ['--data-dir <dir>', 'DATA_DIR'],
      ['--keyword-mappings <json|file>', 'AUTH0_KEYWORD_REPLACE_MAPPINGS'],
    ]) {
      expect(stdout).toContain(flag)
      expect(stdout).toContain(variable)
    }
  })

  it("--version prints the package's version, exit 0", async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
    const bin = runBin(['--version'])
    expect(await bin.exited).toBe(0)
    expect(bin.output().stdout).toBe(`${manifest.version}\n`)
  })

  it('an unknown flag is one line on stderr, exit 2', async () => {
    const bin = runBin(['--tenant-file', 'x.yaml'])
    expect(await bin.exited).toBe(2)
    expect(bin.output().stderr).toMatch(
      /^m2m-tenant: unknown option '--tenant-file'.*\(see --help\)\n$/,
    )
  })
})

describe('m2m-tenant on a user tenant.yaml', () => {
  it('starts, prints where it is and what it serves, issues tokens, and stops on SIGTERM with exit 0', async () => {
    const port = await freePort()
    const dataDir = join(workDir, 'state')
    const bin = runBin(
      [
        '--tenant',
        './tenant.yaml',
        '--port',
        String(port),
        '--data-dir',
        './state',
        '--keyword-mappings',
        '{"INVENTORY_AUDIENCE":"urn:inventory"}',
      ],
      // The flag wins over the variable.
      { AUTH0_KEYWORD_REPLACE_MAPPINGS: '{"INVENTORY_AUDIENCE":"urn:from-env"}' },
    )
    try {
      await bin.until('Ctrl-C')
      const { stdout } = bin.output()
      const issuer = `http://localhost:${port}/`
      expect(stdout).toContain(`issuer      ${issuer}`)
      expect(stdout).toContain(`discovery   ${issuer}.well-known/openid-configuration`)
      expect(stdout).toContain('APIs (2):')
      expect(stdout).toMatch(/\n {2}urn:inventory +Inventory API +1 scope\n/)
      expect(stdout).toMatch(
        new RegExp(`\\n {2}${issuer}api/v2/ +Auth0 Management API +137 scopes\\n`),
      )
      expect(stdout).toMatch(/Clients \(1\):\n {2}Warehouse Robot +\w{32} +→ urn:inventory\n/)
      expect(stdout).toContain('Not read (nothing M2M in them): pages')
      expect(stdout).toContain(
        `kept, with every other client's, in ${join(dataDir, 'client-secrets.env')}`,
      )

      const discovery = await fetch(`${issuer}.well-known/openid-configuration`)
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer)

      const env = await clientSecretsEnv(dataDir)
      const response = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: env.WAREHOUSE_ROBOT_CLIENT_ID,
          client_secret: env.WAREHOUSE_ROBOT_CLIENT_SECRET,
          audience: 'urn:inventory',
        }),
      })
      expect(response.status).toBe(200)
      const { access_token } = (await response.json()) as { access_token: string }
      const claims = JSON.parse(
        Buffer.from(access_token.split('.')[1] ?? '', 'base64url').toString(),
      )
      expect(claims).toMatchObject({ iss: issuer, aud: 'urn:inventory', scope: 'read:stock' })

      // The dashboard's one-time link signs in once.
      const link = stdout.match(/sign in once with (http:\/\/\S+)\)/)?.[1]
      expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/dashboard/login\\?token=`))
      const signIn = await fetch(link as string, { redirect: 'manual' })
      expect(signIn.status).toBe(303)
      expect(signIn.headers.get('set-cookie')).toMatch(/^m2m_dashboard=/)
      expect((await fetch(link as string, { redirect: 'manual' })).status).toBe(401)
    } finally {
      bin.child.kill('SIGTERM')
    }
    expect(await bin.exited).toBe(0)
    expect(bin.child.signalCode).toBeNull()
    expect(await listening(port)).toBe(false)
  })

  it('starts again on the same data directory with the same client and secret, and stops on SIGINT with exit 0', async () => {
    const before = await clientSecretsEnv(join(workDir, 'state'))
    const bin = runBin(['--tenant', 'tenant.yaml', '--port', '0', '--data-dir', 'state'], {
      AUTH0_KEYWORD_REPLACE_MAPPINGS: '{"INVENTORY_AUDIENCE":"urn:inventory"}',
    })
    let port = 0
    try {
      await bin.until('Ctrl-C')
      const { stdout } = bin.output()
      port = Number(/issuer +http:\/\/localhost:(\d+)\//.exec(stdout)?.[1])
      expect(port).toBeGreaterThan(0)
      // Nothing new to show: the secret generated at the first start is kept.
      expect(stdout).not.toContain('Client secrets generated')
      expect(stdout).toContain(before.WAREHOUSE_ROBOT_CLIENT_ID)
      const response = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: before.WAREHOUSE_ROBOT_CLIENT_ID,
          client_secret: before.WAREHOUSE_ROBOT_CLIENT_SECRET,
          audience: 'urn:inventory',
        }),
      })
      expect(response.status).toBe(200)
    } finally {
      bin.child.kill('SIGINT')
    }
    expect(await bin.exited).toBe(0)
    expect(await listening(port)).toBe(false)
  })

  it('a tenant file it refuses stops the start with every problem, exit 1', async () => {
    const bin = runBin(['--tenant', 'tenant.yaml', '--port', '0', '--data-dir', ''])
    expect(await bin.exited).toBe(1)
    const { stdout, stderr } = bin.output()
    expect(stdout).toBe('')
    expect(stderr).toContain('m2m-tenant: cannot start: Keyword replacement failed')
    expect(stderr).toContain('unknown keyword ##INVENTORY_AUDIENCE##')
  })

  it('a wrong flag value is named as the flag, exit 1', async () => {
    const bin = runBin(['--port', 'http', '--data-dir', ''])
    expect(await bin.exited).toBe(1)
    expect(bin.output().stderr).toBe(
      'm2m-tenant: invalid configuration: --port: must be an integer from 0 to 65535, got "http"\n',
    )
  })

  // Two tenants start one after the other (the package's 20 s covers one): 14.8 s of it
  // on a busy CI run, over it on the next.
  it('a port in use is said so, exit 1', { timeout: 60_000 }, async () => {
    const holder = runBin(['--port', '0', '--data-dir', ''])
    try {
      await holder.until('Ctrl-C')
      const port = /issuer +http:\/\/localhost:(\d+)\//.exec(holder.output().stdout)?.[1]
      const bin = runBin(['--port', String(port), '--data-dir', ''])
      expect(await bin.exited).toBe(1)
      expect(bin.output().stderr).toContain(`port ${port} is already in use`)
    } finally {
      holder.child.kill('SIGTERM')
    }
    expect(await holder.exited).toBe(0)
  })
})

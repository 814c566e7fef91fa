import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const appDir = dirname(dirname(fileURLToPath(import.meta.url)))

/**
 * Runs `src/main.ts` in one node process, as `pnpm start` runs `dist/main.js`, with
 * tsx's loader for the sources; collects its output. Not through tsx's CLI: that
 * runs the app in a second process and relays a signal to it, and when the app has
 * not acknowledged the relay within 30 ms (a busy machine), it kills the app and
 * exits 130 itself.
 */
function run(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--conditions=@m2m/source', '--import', 'tsx', 'src/main.ts'],
    {
      cwd: appDir,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    async until(text: string, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (!stdout.includes(text) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      if (!stdout.includes(text)) throw new Error(`no "${text}" in output:\n${stdout}\n${stderr}`)
    },
  }
}

describe('main', () => {
  it('refuses a wrong variable with a message naming it, and exits non-zero', async () => {
    const process = run({ PORT: 'not-a-port' })
    expect(await process.exited).toBe(1)
    expect(process.output().stderr).toContain(
      'auth-server: invalid configuration: PORT: must be an integer',
    )
  })

  describe('with a tenant whose clients have no secret', () => {
    let dataDir: string
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'auth-server-start-'))
    })
    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true })
    })

    it('starts, shows generated secrets once, serves, and stops gracefully on SIGTERM', async () => {
      const env = {
        PORT: '0',
        ISSUER_BASE_URL: 'http://127.0.0.1:1/',
        DATA_DIR: dataDir,
        TENANT_FILE: join(appDir, 'test/fixtures/tenant-file/no-secrets.yaml'),
      }
      const first = run(env)
      await first.until('auth-server ready')
      const { stdout } = first.output()
      const match = /client_id=(\S+) client_secret=(\S+)/.exec(stdout)
      expect(match).not.toBeNull()
      const port = JSON.parse(
        stdout.split('\n').find((l) => l.includes('Server listening')) ?? '{}',
      ).msg?.match(/:(\d+)$/)?.[1]
      expect(Number(port)).toBeGreaterThan(0)
      const res = await request(`http://127.0.0.1:${port}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: match?.[1],
          client_secret: match?.[2],
          audience: 'urn:reports',
        }),
      })
      expect(res.statusCode).toBe(200)
      await res.body.dump()
      // the secret is on the terminal once, never in a log line
      const logLines = stdout.split('\n').filter((l) => l.startsWith('{'))
      expect(logLines.join('\n')).not.toContain(match?.[2])
      first.child.kill('SIGTERM')
      expect(await first.exited).toBe(0)

      const second = run(env)
      await second.until('auth-server ready')
      expect(second.output().stdout).not.toContain('client_secret=')
      second.child.kill('SIGINT')
      expect(await second.exited).toBe(0)
    })
  })
})

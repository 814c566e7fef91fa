import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '@m2m/test-kit'
import { request } from 'undici'
import { startPassThroughProxy } from '../helpers/pass-through-proxy.js'

const appsDir = join(dirname(fileURLToPath(import.meta.url)), '../../..')

export interface ServiceProcess {
  name: string
  url: string
  port: number
  child: ChildProcess
  /** The last lines it wrote, for failure messages. */
  output(): string
  /** SIGKILL: no graceful shutdown. */
  kill(): Promise<void>
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>
}

/**
 * Runs `apps/<app>/src/main.ts` from source as its own process
 * (`node --conditions=@m2m/source --import tsx`), on a free loopback port, and
 * waits until `readyPath` answers 200.
 */
export async function startService(
  app: 'auth-server' | 'world-mappers' | 'gift-deliveries',
  name: string,
  env: Record<string, string>,
  options: { port?: number; readyPath?: string } = {},
): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort())
  const readyPath = options.readyPath ?? '/readyz'
  const cwd = join(appsDir, app)
  const child = spawn(
    process.execPath,
    // Young generation capped as the stack and the Docker image run the services.
    ['--max-semi-space-size=16', '--conditions=@m2m/source', '--import', 'tsx', 'src/main.ts'],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let tail: string[] = []
  const keep = (chunk: Buffer) => {
    tail = [...tail, ...chunk.toString().split('\n')].slice(-60)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start-up:\n${tail.join('\n')}`)
    }
    try {
      const res = await request(`${url}${readyPath}`, { headersTimeout: 2_000 })
      await res.body.dump()
      if (res.statusCode === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} was not ready within 90 s:\n${tail.join('\n')}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  return {
    name,
    url,
    port,
    child,
    output: () => tail.join('\n'),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * A pass-through HTTP proxy in front of world-mappers that counts
 * `GET /api/directions` calls per destination: each delivery has its own
 * destination, so this counts how many times each delivery was planned.
 */
export async function startCountingProxy(target: string) {
  const directions = new Map<string, number>()
  const proxy = await startPassThroughProxy(target, 512, (req, res, passOn) => {
    const url = new URL(req.url ?? '/', 'http://proxy')
    if (url.pathname === '/api/directions') {
      const destination = url.searchParams.get('destination') ?? ''
      directions.set(destination, (directions.get(destination) ?? 0) + 1)
    }
    passOn(req, res).on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
  })
  return { url: proxy.url, directions, close: proxy.close }
}

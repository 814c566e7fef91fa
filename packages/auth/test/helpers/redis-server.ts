import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

/** The path of `redis-server`, or a loud failure: these tests need the real server. */
export function findRedisServer(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  } catch {
    throw new Error(
      'redis-server is not on PATH: install it (Debian: apt-get install redis-server). ' +
        'The Redis token cache is tested against a real server, never skipped.',
    )
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

/**
 * A real redis-server on a free loopback port, without persistence. `kill`
 * takes it down hard, `start` brings it back on the same port (empty), and
 * `pause`/`resume` freeze it (SIGSTOP/SIGCONT) to play a hung server.
 */
export async function startRedisServer() {
  const binary = findRedisServer()
  const port = await freePort()
  let child: ChildProcess | undefined

  async function start() {
    if (child && child.exitCode === null) return
    const proc = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = proc
    await new Promise<void>((resolve, reject) => {
      let output = ''
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData)
          resolve()
        }
      }
      proc.stdout?.on('data', onData)
      proc.once('exit', (code) =>
        reject(new Error(`redis-server exited with ${code} on start: ${output.slice(-500)}`)),
      )
    })
    proc.stdout?.resume()
    proc.stderr?.resume()
  }

  async function kill() {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null) return
    const exited = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGCONT')
    proc.kill('SIGKILL')
    await exited
  }

  await start()
  const url = `redis://127.0.0.1:${port}`
  return {
    url,
    port,
    start,
    kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    /** A plain client to look at (or tamper with) what the cache wrote. */
    inspect: () => new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 }),
    stop: kill,
  }
}

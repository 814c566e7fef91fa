import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * Real Redis and PostgreSQL servers for the scale tests, started by the test
 * on free loopback ports with throw-away data, and stopped after. A missing
 * binary fails loudly: these tests are never skipped.
 */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

function onPath(name: string): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined
    )
  } catch {
    return undefined
  }
}

/** Waits for `text` on the child's output; rejects if it exits first. */
function waitForOutput(child: ChildProcess, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes(text)) {
        child.stdout?.off('data', onData)
        child.stderr?.off('data', onData)
        child.off('exit', onExit)
        resolve()
      }
    }
    const onExit = (code: number | null) =>
      reject(new Error(`${what} exited (${code}) before it was ready:\n${output.slice(-2_000)}`))
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}

/** redis-server on a free loopback port, nothing persisted. */
export async function startRedis() {
  const binary = onPath('redis-server')
  if (!binary) {
    throw new Error(
      'redis-server is not on PATH. The scale test needs a real Redis: apt-get install redis-server',
    )
  }
  const port = await freePort()
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await waitForOutput(child, 'Ready to accept connections', 'redis-server')
  child.stdout?.resume()
  child.stderr?.resume()
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child, 'SIGKILL') }
}

function postgresBinDir(): string {
  const initdb = onPath('initdb')
  if (initdb && onPath('postgres')) return join(initdb, '..')
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions[0]) return join(root, versions[0], 'bin')
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) are neither on PATH nor in /usr/lib/postgresql/*/bin. ' +
      'The scale test needs a real server: apt-get install postgresql',
  )
}

/**
 * A PostgreSQL cluster in a temp dir on a free loopback port (socket dir in
 * the same temp dir). PostgreSQL refuses to run as root: as root, initdb and
 * postgres run as the `postgres` user, which owns the temp dir.
 */
export async function startPostgres() {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), 'm2m-pg-'))
  const data = join(dir, 'data')
  // As root, both run as `postgres` (spawned with its uid, so signals reach postgres itself).
  const owner: { uid?: number; gid?: number } = {}
  if (process.getuid?.() === 0) {
    owner.uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    owner.gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, owner.uid, owner.gid)
  }
  const env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }
  try {
    execFileSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'],
      { stdio: 'pipe', cwd: dir, env, ...owner },
    )
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error)
    throw new Error(`initdb failed: ${stderr.slice(-2_000)}`)
  }
  const port = await freePort()
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=200',
    // Throw-away data: durability settings off for speed.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ]
  const child = spawn(join(bin, 'postgres'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dir,
    env,
    ...owner,
  })
  await waitForOutput(child, 'database system is ready to accept connections', 'postgres')
  child.stdout?.resume()
  child.stderr?.resume()

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query('CREATE DATABASE deliveries')
  await admin.end()

  return {
    url: `postgres://postgres@127.0.0.1:${port}/deliveries`,
    async stop() {
      // SIGINT: fast shutdown (active connections are ended).
      await stopChild(child, 'SIGINT')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

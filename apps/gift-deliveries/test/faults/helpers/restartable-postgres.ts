import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from '../../scale/servers.js'

/**
 * A PostgreSQL server that can be stopped and started again on the same port
 * and data directory, to prove that nothing acknowledged is lost across a
 * restart. The minimum of the scale suite's `startPostgres` (whose `stop()`
 * deletes the data), copied rather than changed there.
 */

function postgresBinDir(): string {
  const onPath = (name: string) => {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim()
    } catch {
      return ''
    }
  }
  const initdb = onPath('initdb')
  if (initdb && onPath('postgres')) return join(initdb, '..')
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions[0]) return join(root, versions[0], 'bin')
  throw new Error('PostgreSQL server binaries are not installed: apt-get install postgresql')
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData)
        child.stdout?.off('data', onData)
        child.off('exit', onExit)
        child.stdout?.resume()
        child.stderr?.resume()
        resolve()
      }
    }
    const onExit = (code: number | null) =>
      reject(new Error(`postgres exited (${code}) before it was ready:\n${output.slice(-2_000)}`))
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}

export async function startRestartablePostgres() {
  const bin = postgresBinDir()
  const dir = mkdtempSync(join(tmpdir(), 'm2m-pg-faults-'))
  const data = join(dir, 'data')
  const owner: { uid?: number; gid?: number } = {}
  if (process.getuid?.() === 0) {
    owner.uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    owner.gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, owner.uid, owner.gid)
  }
  const env = { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'],
    { stdio: 'pipe', cwd: dir, env, ...owner },
  )
  const port = await freePort()
  let child: ChildProcess | undefined

  async function start() {
    // Durability stays on (fsync, synchronous commit): an acknowledged commit must survive the restart.
    child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, env, ...owner },
    )
    await waitForReady(child)
  }

  /** SIGINT: PostgreSQL's fast shutdown (sessions are ended, committed work is kept). */
  async function stop() {
    const running = child
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGINT')
    await exited
  }

  await start()
  const admin = new pg.Client({
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
  })
  await admin.connect()
  await admin.query('CREATE DATABASE deliveries')
  await admin.end()

  return {
    url: `postgres://postgres@127.0.0.1:${port}/deliveries`,
    start,
    stop,
    async destroy() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

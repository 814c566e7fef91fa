import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './ports.js'
import { onPath, stopChild, waitForOutput } from './processes.js'

export interface PostgresServerOptions {
  /**
   * Keep PostgreSQL's durability (fsync, synchronous commit, full-page
   * writes), for tests that prove a restart loses nothing acknowledged.
   * Default false: throw-away data, durability off for speed.
   */
  durable?: boolean
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/deliveries`: an empty database made for the test. */
  url: string
  port: number
  /** Fast shutdown (SIGINT: sessions ended, committed work kept); `start` brings it back. */
  shutdown(): Promise<void>
  start(): Promise<void>
  /** Shuts it down and deletes its data. */
  stop(): Promise<void>
}

/**
 * A PostgreSQL cluster in a temp dir on a free loopback port (socket dir in
 * the same temp dir). PostgreSQL refuses to run as root: as root, initdb and
 * postgres run as the `postgres` user, which owns the temp dir. A missing
 * binary fails loudly: these tests are never skipped.
 */
export async function startPostgresServer(
  options: PostgresServerOptions = {},
): Promise<PostgresServer> {
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
  const settings = ['listen_addresses=127.0.0.1', 'max_connections=200']
  if (!options.durable) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off')
  const args = ['-D', data, '-p', String(port), '-k', dir, ...settings.flatMap((s) => ['-c', s])]
  let child: ChildProcess | undefined

  async function start() {
    if (child && child.exitCode === null && child.signalCode === null) return
    child = spawn(join(bin, 'postgres'), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
      env,
      ...owner,
    })
    await waitForOutput(child, 'database system is ready to accept connections', 'postgres')
  }

  async function shutdown() {
    await stopChild(child, 'SIGINT')
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
    port,
    shutdown,
    start,
    async stop() {
      await shutdown()
      rmSync(dir, { recursive: true, force: true })
    },
  }
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
      'These tests need a real server: apt-get install postgresql',
  )
}

import { type ChildProcess, spawn } from 'node:child_process'
import { freePort } from './ports.js'
import { onPath, stopChild, waitForOutput } from './processes.js'

export interface RedisServer {
  url: string
  port: number
  /** Starts it again on the same port (empty) after `kill`. */
  start(): Promise<void>
  /** Takes it down hard (SIGKILL). */
  kill(): Promise<void>
  /** Freezes it (SIGSTOP), to play a hung server; `resume` continues it. */
  pause(): void
  resume(): void
  stop(): Promise<void>
}

/** The path of `redis-server`, or a loud failure: the suites need the real server. */
export function findRedisServer(): string {
  const binary = onPath('redis-server')
  if (!binary) {
    throw new Error(
      'redis-server is not on PATH: install it (Debian: apt-get install redis-server). ' +
        'These tests run against a real Redis and are never skipped.',
    )
  }
  return binary
}

/** A real redis-server on a free loopback port, nothing persisted. */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = findRedisServer()
  const port = await freePort()
  let child: ChildProcess | undefined

  async function start() {
    if (child && child.exitCode === null && child.signalCode === null) return
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '']
    args.push('--appendonly', 'no', '--protected-mode', 'yes')
    child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    await waitForOutput(child, 'Ready to accept connections', 'redis-server')
  }

  async function kill() {
    const running = child
    child = undefined
    await stopChild(running, 'SIGKILL')
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    stop: kill,
  }
}

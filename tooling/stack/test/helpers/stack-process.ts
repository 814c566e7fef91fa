import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { freePort } from '@m2m/test-kit'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../../..')

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export interface StackProcess {
  child: ChildProcess
  ports: { authServer: number; worldMappers: number; giftDeliveries: number }
  urls: { authServer: string; worldMappers: string; giftDeliveries: string }
  env: Record<string, string>
  /** pnpm's own exit. */
  exited: Promise<number | null>
  /** Once the output has ended (the stack writes to pnpm's pipes directly, and may outlive pnpm). */
  closed: Promise<void>
  output(): string
  /** Waits until the output (from `from` on) matches; returns the match. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>
  /** The services' pids, read from the banner or the last restart line. */
  pids(): Record<string, number>
  cleanup(): Promise<void>
}

/**
 * Runs the README's first command, `pnpm start`, from the repository root on
 * free ports with fresh data directories, as a user would (built code, three
 * processes). The caller stops it with a signal.
 */
export async function startStackProcess(
  extraEnv: Record<string, string> = {},
  options: { ownProcessGroup?: boolean } = {},
): Promise<StackProcess> {
  const dataRoot = await mkdtemp(join(tmpdir(), 'm2m-stack-'))
  const ports = {
    authServer: await freePort(),
    worldMappers: await freePort(),
    giftDeliveries: await freePort(),
  }
  const env: Record<string, string> = {
    AUTH_SERVER_PORT: String(ports.authServer),
    WORLD_MAPPERS_PORT: String(ports.worldMappers),
    GIFT_DELIVERIES_PORT: String(ports.giftDeliveries),
    AUTH_SERVER_DATA_DIR: join(dataRoot, 'auth-server'),
    GIFT_DELIVERIES_DATA_DIR: join(dataRoot, 'gift-deliveries'),
    ...extraEnv,
  }
  const child = spawn('pnpm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup === true,
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  // The launcher writes to pnpm's pipes directly: its output goes on after pnpm
  // itself has ended, until the pipes close.
  let ended = false
  const closed = new Promise<void>((resolve) =>
    child.stdout?.once('close', () => {
      ended = true
      resolve()
    }),
  )

  const stack: StackProcess = {
    child,
    ports,
    urls: {
      authServer: `http://localhost:${ports.authServer}`,
      worldMappers: `http://localhost:${ports.worldMappers}`,
      giftDeliveries: `http://localhost:${ports.giftDeliveries}`,
    },
    env,
    exited,
    closed,
    output: () => output,
    async waitFor(pattern, timeoutMs = 120_000, from = 0) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = output.slice(from).match(pattern)
        if (match) return match
        if (ended || Date.now() > deadline) {
          throw new Error(`no ${pattern} in the stack's output:\n${output.slice(-4000)}`)
        }
        await sleep(100)
      }
    },
    pids() {
      const pids: Record<string, number> = {}
      for (const match of output.matchAll(
        /(auth-server|world-mappers|gift-deliveries)\s.*\(pid (\d+)\)/g,
      )) {
        pids[match[1] as string] = Number(match[2])
      }
      return pids
    },
    async cleanup() {
      if (!ended) child.kill('SIGKILL')
      for (const pid of Object.values(stack.pids())) {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL')
      }
      await rm(dataRoot, { recursive: true, force: true })
    },
  }
  return stack
}

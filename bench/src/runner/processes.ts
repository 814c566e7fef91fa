import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { holdTickObjectShape } from '@m2m/service-kit'

/** `taskset` pins servers and load to different cores; without it (or one core) nothing is pinned. */
export const pinning: { server: string; load: string } | undefined =
  availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0
    ? { server: '0', load: '1' }
    : undefined

/**
 * Moves every thread of this process to the load core, for a script that
 * sends the load itself; says so when nothing can be pinned.
 */
export function pinThisProcessToLoadCore(): void {
  if (pinning) spawnSync('taskset', ['-a', '-p', '-c', pinning.load, String(process.pid)])
  else console.log('not pinned: taskset or a second core is missing')
}

/** Node flags that run this workspace's TypeScript sources without a build. */
export const sourceFlags = ['--conditions=@m2m/source', '--import', 'tsx']

export interface ChildOptions {
  /** Shown in errors. */
  name: string
  /** A `.ts` file run with `sourceFlags`. */
  script: string
  args?: string[]
  env?: Record<string, string>
  /** `server` or `load`: the core `pin()` moves it to when pinning is possible. */
  role?: 'server' | 'load'
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[]
  /** A command node runs under, in the same process (e.g. valgrind and its options). */
  wrapper?: string[]
}

export interface Child {
  readonly name: string
  readonly process: ChildProcess
  /** The last lines it wrote to stderr/stdout, for error messages. */
  output(): string
  /** The next IPC message that `match` accepts; rejects if the child exits first or after `timeoutMs`. */
  nextMessage<T>(match: (message: unknown) => message is T, timeoutMs?: number): Promise<T>
  send(message: unknown): void
  /**
   * Moves every thread of the child to its role's core. Called once it is ready: start-up
   * (module loading, JIT) uses both cores, the measured work only its own.
   */
  pin(): void
  stop(): Promise<void>
}

/** Starts a node child process with an IPC channel, pinned to its role's core when possible. */
export function startChild(options: ChildOptions): Child {
  const nodeArgs = [
    ...(options.nodeFlags ?? []),
    ...sourceFlags,
    options.script,
    ...(options.args ?? []),
  ]
  const core = options.role && pinning ? pinning[options.role] : undefined
  const [command, ...commandArgs] = [...(options.wrapper ?? []), process.execPath, ...nodeArgs]
  const child = spawn(command as string, commandArgs, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let tail = ''
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let exited = false
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true
      resolve()
    })
  })

  return {
    name: options.name,
    process: child,
    output: () => tail.trim(),
    nextMessage<T>(match: (message: unknown) => message is T, timeoutMs = 60_000) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`${options.name}: no answer within ${timeoutMs} ms`)),
          timeoutMs,
        )
        const onMessage = (message: unknown) => {
          if (match(message)) done(undefined, message)
          else if (isFailure(message)) done(new Error(`${options.name}: ${message.error}`))
        }
        const onExit = (code: number | null) =>
          done(new Error(`${options.name} exited (${code}) early:\n${tail.trim()}`))
        function done(error: Error | undefined, message?: T) {
          clearTimeout(timer)
          child.off('message', onMessage)
          child.off('exit', onExit)
          if (error) reject(error)
          else resolve(message as T)
        }
        if (exited) return done(new Error(`${options.name} is not running:\n${tail.trim()}`))
        child.on('message', onMessage)
        child.once('exit', onExit)
      })
    },
    send(message) {
      child.send(message as never)
    },
    pin() {
      if (core === undefined || child.pid === undefined) return
      const pinned = spawnSync('taskset', ['-a', '-p', '-c', core, String(child.pid)])
      if (pinned.status !== 0) {
        throw new Error(`${options.name}: taskset failed: ${pinned.stderr.toString().trim()}`)
      }
    },
    async stop() {
      if (exited) return
      // SIGTERM lets every child exit normally, so a --cpu-prof profile gets written.
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exit
      clearTimeout(killer)
    },
  }
}

/** A child's failure report: `{ type: 'error', error }`. */
export function isFailure(message: unknown): message is { type: 'error'; error: string } {
  return isMessage(message, 'error')
}

export function isMessage(message: unknown, type: string): message is { type: string } {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type
  )
}

/**
 * For a child: sends its ready message (with its port), or reports a start-up
 * failure and exits. Every child starts as the services' `main` does, with
 * `holdTickObjectShape`: without it, a garbage collection while no
 * `process.nextTick` entry is alive can leave Node's `nextTick` literal
 * megamorphic for the process's life, at random, and a server so struck
 * spends about a tenth of its time in `nextTick` (its own time in a CPU
 * profile: 10.7 % in one of scenario 1's servers on 2026-12-07, where 1.0 to
 * 1.6 % in every other profile of the day): a row slowed by an accident of
 * its start-up rather than by what it runs.
 */
export async function announce(start: () => Promise<Record<string, unknown>>): Promise<void> {
  holdTickObjectShape()
  try {
    const details = await start()
    process.send?.({ type: 'ready', ...details })
  } catch (error) {
    process.send?.({ type: 'error', error: (error as Error).stack ?? String(error) })
    process.exitCode = 1
    setTimeout(() => process.exit(1), 100).unref()
  }
  // The parent going away or SIGTERM ends the child with a normal exit (profiles are written).
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
}

/** Starts a child, waits for its ready message, then pins it; stops it if it never gets ready. */
export async function startReadyChild<T extends object = object>(
  options: ChildOptions,
  timeoutMs?: number,
): Promise<{ child: Child; ready: T }> {
  const child = startChild(options)
  try {
    const ready = await child.nextMessage(
      (m): m is { type: 'ready' } & T => isMessage(m, 'ready'),
      timeoutMs,
    )
    child.pin()
    return { child, ready }
  } catch (error) {
    await child.stop()
    throw error
  }
}

/** For a child: answers `{ type: 'cpu' }` with its CPU time so far, in microseconds. */
export function answerCpuUsage(): void {
  process.on('message', (message: unknown) => {
    if (!isMessage(message, 'cpu')) return
    const { user, system } = process.cpuUsage()
    process.send?.({ type: 'cpu', micros: user + system })
  })
}

/** Asks a child that runs `answerCpuUsage` for its CPU time so far, in microseconds. */
export async function cpuTimeOf(child: Child): Promise<number> {
  const answer = child.nextMessage(
    (m): m is { type: 'cpu'; micros: number } => isMessage(m, 'cpu'),
    10_000,
  )
  child.send({ type: 'cpu' })
  return (await answer).micros
}

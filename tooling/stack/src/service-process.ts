import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { forEachLine, type LineWriter } from './log-lines.js'
import { type RunMode, type ServiceSpec, serviceCommand } from './services.js'

// Variables the stack sets per service: a value inherited from the shell
// (`PORT=8080 pnpm start`) must not leak into all three.
const PER_SERVICE = ['PORT', 'DATA_DIR']

export interface ServiceProcess {
  readonly spec: ServiceSpec
  readonly child: ChildProcess
  /** Resolves with the exit code (or the signal's name) when the process has ended. */
  readonly exited: Promise<number | string>
  /** Resolves once `GET /readyz` answers 200; rejects if the process ends first or `timeoutMs` passes. */
  ready(timeoutMs: number): Promise<void>
  /**
   * SIGTERM to the process group, then SIGKILL after `graceMs`; resolves once
   * it has ended, with how it ended (as `exited`).
   */
  stop(graceMs: number): Promise<number | string>
  /** SIGKILL to the process group, synchronously (for the stack's own `exit`). */
  kill(): void
}

/**
 * Starts one service in its own process group, so the terminal's Ctrl-C
 * reaches the stack only and the stack decides the order of shutdown, and so
 * a watcher's children (`pnpm dev`) go with it.
 */
export function startServiceProcess(
  spec: ServiceSpec,
  mode: RunMode,
  writeLine: LineWriter,
): ServiceProcess {
  const env = { ...process.env }
  for (const name of PER_SERVICE) delete env[name]
  const child = spawn(process.execPath, serviceCommand(spec, mode), {
    cwd: spec.dir,
    env: { ...env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  if (child.stdout) forEachLine(child.stdout, (line) => writeLine(spec.name, line))
  if (child.stderr) forEachLine(child.stderr, (line) => writeLine(spec.name, line))

  let running = true
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false
      resolve(code ?? signal ?? 'unknown')
    })
    child.once('error', (error) => {
      running = false
      writeLine(spec.name, `cannot start: ${error.message}`)
      resolve('spawn-error')
    })
  })

  const signalGroup = (signal: NodeJS.Signals, evenAfterExit = false) => {
    if ((!running && !evenAfterExit) || child.pid === undefined) return
    try {
      process.kill(-child.pid, signal)
    } catch {
      // The group is already gone.
    }
  }

  return {
    spec,
    child,
    exited,
    async ready(timeoutMs) {
      const url = `http://${probeHost(spec.env.HOST)}:${spec.port}/readyz`
      const deadline = Date.now() + timeoutMs
      let ended = false
      void exited.then(() => {
        ended = true
      })
      while (Date.now() < deadline) {
        if (ended) throw new Error(`${spec.name} exited before it was ready`)
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
          await response.body?.cancel()
          if (response.ok) return
        } catch {
          // Not listening yet.
        }
        await sleep(100)
      }
      throw new Error(`${spec.name} was not ready after ${Math.round(timeoutMs / 1000)} s (${url})`)
    },
    async stop(graceMs) {
      signalGroup('SIGTERM')
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs)
      const end = await exited
      clearTimeout(timer)
      // A watcher (`pnpm dev`) may leave its child behind for a moment.
      signalGroup('SIGKILL', true)
      return end
    },
    kill() {
      signalGroup('SIGKILL')
    },
  }
}

/** Where to reach a service listening on `host`: a wildcard address is reached on loopback. */
function probeHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

import type { LineWriter } from './log-lines.js'
import { findBusyPorts } from './ports.js'
import { type ServiceProcess, startServiceProcess } from './service-process.js'
import { describeServices, type RunMode, type StackSettings } from './services.js'

export interface StackOptions {
  settings: StackSettings
  mode: RunMode
  writeLine: LineWriter
  /** The stack's own messages (not a service's). */
  say: (message: string) => void
  readyTimeoutMs?: number
  stopGraceMs?: number
}

export interface RunningStack {
  readonly services: ServiceProcess[]
  /** Resolves once every service answers `/readyz`; rejects with a StackError (after stopping them all) otherwise. */
  readonly ready: Promise<void>
  /** Resolves with the stack's exit code once every service has ended. */
  readonly done: Promise<number>
  /**
   * Stops the services (gift-deliveries first: it calls the others) and
   * resolves with the exit code: 0 when each stopped cleanly, 1 otherwise.
   */
  stop(): Promise<number>
  /** SIGKILL to every service, synchronously. */
  kill(): void
}

const RESTARTS_PER_MINUTE = 5

/**
 * Starts the three services; throws a StackError naming every taken port
 * before starting any. `ready` settles once all answer `/readyz` (or one
 * failed: then all are stopped). Once up, a service that ends is started
 * again, at most RESTARTS_PER_MINUTE times a minute; past that the whole
 * stack stops with 1.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const specs = describeServices(options.settings)
  const busy = await findBusyPorts(options.settings.host, specs)
  if (busy.length > 0) throw new StackError(busy.join('\n'))

  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000
  const stopGraceMs = options.stopGraceMs ?? 20_000
  const services = specs.map((spec) => startServiceProcess(spec, options.mode, options.writeLine))
  let stopping: Promise<number> | undefined
  let resolveDone: (code: number) => void = () => {}
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve
  })

  const stop = (code = 0): Promise<number> => {
    stopping ??= (async () => {
      const [authServer, worldMappers, giftDeliveries] = services
      const stopOne = async (service: ServiceProcess | undefined) => {
        if (!service) return true
        const end = await service.stop(stopGraceMs)
        if (stoppedCleanly(end)) return true
        // Stopping for a failure already said why; a requested stop says what went wrong.
        if (code === 0)
          options.say(`${service.spec.name} did not stop cleanly (${describeEnd(end)})`)
        return false
      }
      const first = await stopOne(giftDeliveries)
      const rest = await Promise.all([stopOne(worldMappers), stopOne(authServer)])
      const exitCode = code !== 0 || !first || rest.includes(false) ? 1 : 0
      resolveDone(exitCode)
      return exitCode
    })()
    return stopping
  }

  const ready = Promise.all(services.map((service) => service.ready(readyTimeoutMs))).then(
    () => {
      if (stopping) throw new StackError('stopped before every service was ready')
      for (let index = 0; index < services.length; index += 1) supervise(index)
    },
    async (error: Error) => {
      await stop(1)
      throw new StackError(error.message)
    },
  )

  const restarts: number[] = []
  const supervise = (index: number) => {
    const service = services[index] as ServiceProcess
    void service.exited.then(async (code) => {
      if (stopping) return
      const now = Date.now()
      while (restarts.length > 0 && (restarts[0] as number) < now - 60_000) restarts.shift()
      if (restarts.length >= RESTARTS_PER_MINUTE) {
        options.say(
          `${service.spec.name} ended (${code}) and was restarted ${RESTARTS_PER_MINUTE} times in a minute: stopping`,
        )
        await stop(1)
        return
      }
      restarts.push(now)
      options.say(`${service.spec.name} ended (${code}): starting it again`)
      const next = startServiceProcess(service.spec, options.mode, options.writeLine)
      services[index] = next
      supervise(index)
      try {
        await next.ready(readyTimeoutMs)
        options.say(`${service.spec.name} is ready again (pid ${next.child.pid})`)
      } catch (error) {
        options.say((error as Error).message)
      }
    })
  }

  return {
    services,
    ready,
    done,
    stop: () => stop(0),
    kill: () => {
      for (const service of services) service.kill()
    },
  }
}

/**
 * A service stopped cleanly when it exited 0 (it finished its in-flight work
 * within its own grace period), or was ended by the SIGTERM itself (it had not
 * set up its shutdown yet, so had nothing in flight). Anything else, a SIGKILL
 * after the grace period included, is not a clean stop.
 */
function stoppedCleanly(end: number | string): boolean {
  return end === 0 || end === 'SIGTERM'
}

function describeEnd(end: number | string): string {
  return typeof end === 'number' ? `exit ${end}` : end
}

/** The stack could not start; the message says why, one problem per line. */
export class StackError extends Error {
  override name = 'StackError'
}

import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'

/**
 * Fastify gives every request a child logger (`request.log`, bound to its
 * `reqId`). With the service logger's redaction paths, making one costs
 * several microseconds (pino runs the wildcard redaction over the bindings),
 * paid on every request even when nothing is logged — and at `warn` almost
 * nothing is. This factory hands out a stand-in that makes the real child
 * only when a line is actually written at an enabled level (or the logger is
 * used any other way), so the lines, their `reqId` and their redaction are
 * exactly those of the real child.
 *
 * A per-route `logLevel` or `logSerializers` gets the real child at once.
 */
export const deferredChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => {
  const parent = logger as PinoLike
  if (
    options.level !== undefined ||
    options.serializers !== undefined ||
    typeof parent.isLevelEnabled !== 'function' ||
    typeof parent.levels?.values !== 'object'
  ) {
    return logger.child(bindings, options)
  }
  const state: Deferred = { parent, bindings, options, child: undefined }
  return new Proxy(state, handler) as unknown as FastifyBaseLogger
}

type PinoLike = FastifyBaseLogger & {
  isLevelEnabled(level: string): boolean
  levels: { values: Record<string, number> }
}

interface Deferred {
  parent: PinoLike
  bindings: Bindings
  options: ChildLoggerOptions
  child: FastifyBaseLogger | undefined
}

const STATE = Symbol('deferred child logger')

function materialize(state: Deferred): FastifyBaseLogger {
  state.child ??= state.parent.child(state.bindings, state.options)
  return state.child
}

function stateOf(self: unknown): Deferred {
  return (self as { [STATE]: Deferred })[STATE]
}

type LogMethod = (this: unknown, ...args: unknown[]) => void
const levelMethods = new Map<string, LogMethod>()

/** `request.log.<level>(...)`: a no-op below the logger's level, otherwise the real child's. */
function levelMethod(level: string): LogMethod {
  let method = levelMethods.get(level)
  if (!method) {
    method = function (this: unknown, ...args: unknown[]) {
      const state = stateOf(this)
      if (!state.parent.isLevelEnabled(level)) return
      const child = materialize(state) as unknown as Record<string, LogMethod>
      child[level]?.(...args)
    }
    levelMethods.set(level, method)
  }
  return method
}

function deferredChild(
  this: unknown,
  bindings: Bindings,
  options?: ChildLoggerOptions,
): FastifyBaseLogger {
  return materialize(stateOf(this)).child(bindings, options)
}

function deferredIsLevelEnabled(this: unknown, level: string): boolean {
  return stateOf(this).parent.isLevelEnabled(level)
}

const handler: ProxyHandler<Deferred> = {
  get(state, property) {
    if (property === STATE) return state
    if (state.child === undefined) {
      if (property === 'child') return deferredChild
      if (property === 'isLevelEnabled') return deferredIsLevelEnabled
      if (property === 'level') return state.parent.level
      if (typeof property === 'string' && state.parent.levels.values[property] !== undefined) {
        return levelMethod(property)
      }
    }
    const child = materialize(state)
    const value: unknown = Reflect.get(child, property, child)
    return typeof value === 'function' ? value.bind(child) : value
  },
  set(state, property, value) {
    return Reflect.set(materialize(state), property, value)
  },
  has(state, property) {
    return property in (state.child ?? state.parent)
  },
  getPrototypeOf(state) {
    return Object.getPrototypeOf(state.child ?? state.parent)
  },
}

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
 *
 * Fastify checks the child a custom factory returns on every request (seven
 * method reads by name, about 3,000 instructions a request by the census): prefer
 * `withDeferredChildren`, which defers the same way through Fastify's own
 * factory, unchecked.
 */
export const deferredChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => deferredChild(logger as PinoLike, bindings, options, (logger as PinoLike).child as ChildMethod)

/**
 * The logger to give Fastify as `loggerInstance`: `logger` itself for every
 * line, whose children — each request's `request.log` among them, made by
 * Fastify's default child factory — are made as `deferredChildLoggerFactory`
 * makes them: only once a line is written at an enabled level. Children of
 * those children are deferred alike. `logger` is not changed: its own
 * children are pino's.
 */
export function withDeferredChildren<T extends FastifyBaseLogger>(logger: T): T {
  const pinoChild = (logger as unknown as PinoLike).child as ChildMethod
  return Object.create(logger, {
    child: {
      value(this: PinoLike, bindings: Bindings, options: ChildLoggerOptions = {}) {
        return deferredChild(this, bindings, options, pinoChild)
      },
      writable: true,
      configurable: true,
    },
  }) as T
}

/** Pino's own `child`, called on the parent. */
type ChildMethod = (this: PinoLike, bindings: Bindings, options?: ChildLoggerOptions) => unknown

function deferredChild(
  parent: PinoLike,
  bindings: Bindings,
  options: ChildLoggerOptions,
  makeChild: ChildMethod,
): FastifyBaseLogger {
  if (
    options.level !== undefined ||
    options.serializers !== undefined ||
    typeof parent.isLevelEnabled !== 'function' ||
    typeof parent.levels?.values !== 'object'
  ) {
    return makeChild.call(parent, bindings, options) as FastifyBaseLogger
  }
  const requestLogger = Object.create(prototypeFor(parent)) as { [STATE]: Deferred }
  requestLogger[STATE] = { parent, bindings, options, makeChild, child: undefined }
  return requestLogger as unknown as FastifyBaseLogger
}

type PinoLike = FastifyBaseLogger & {
  isLevelEnabled(level: string): boolean
  levels: { values: Record<string, number> }
}

interface Deferred {
  parent: PinoLike
  bindings: Bindings
  options: ChildLoggerOptions
  makeChild: ChildMethod
  /** The real child (pino's), once made. */
  child: PinoLike | undefined
}

const STATE = Symbol('deferred child logger')

function materialize(state: Deferred): PinoLike {
  state.child ??= state.makeChild.call(state.parent, state.bindings, state.options) as PinoLike
  return state.child
}

function stateOf(self: unknown): Deferred {
  return (self as { [STATE]: Deferred })[STATE]
}

type LogMethod = (this: unknown, ...args: unknown[]) => void
const levelMethods = new Map<string, LogMethod>()

/**
 * `request.log.<level>(...)`: the real child's once it exists; before, a no-op
 * below the logger's level, otherwise the real child's, made now.
 */
function levelMethod(level: string): LogMethod {
  let method = levelMethods.get(level)
  if (!method) {
    method = function (this: unknown, ...args: unknown[]) {
      const state = stateOf(this)
      if (state.child === undefined && !state.parent.isLevelEnabled(level)) return
      const child = materialize(state) as unknown as Record<string, LogMethod>
      child[level]?.(...args)
    }
    levelMethods.set(level, method)
  }
  return method
}

function childOfDeferred(
  this: unknown,
  bindings: Bindings,
  options?: ChildLoggerOptions,
): FastifyBaseLogger {
  return materialize(stateOf(this)).child(bindings, options)
}

function deferredIsLevelEnabled(this: unknown, level: string): boolean {
  const state = stateOf(this)
  return (state.child ?? state.parent).isLevelEnabled(level)
}

/**
 * The prototype of the request loggers of one parent logger. What Fastify and
 * a request's code use on every request (the level methods, which Fastify
 * also checks on each new child, `child`, `level`, `isLevelEnabled`) are
 * plain methods here, found as fast as any object's. Anything else goes on to
 * the end of the prototype chain, a proxy that makes the real child and
 * answers with it: a request logger behaves as pino's own child in every other
 * way. (A proxy for the request logger itself ran its trap on each of those
 * reads, about a microsecond a request in Fastify's check alone.)
 */
const prototypes = new WeakMap<PinoLike, object>()

function prototypeFor(parent: PinoLike): object {
  let prototype = prototypes.get(parent)
  if (prototype === undefined) {
    const methods: PropertyDescriptorMap = {
      // A writable slot here, so that setting a request logger's own state never reaches the proxy.
      [STATE]: { value: undefined, writable: true, configurable: true },
      child: { value: childOfDeferred, writable: true, configurable: true },
      isLevelEnabled: { value: deferredIsLevelEnabled, writable: true, configurable: true },
      level: {
        get(this: unknown) {
          const state = stateOf(this)
          return (state.child ?? state.parent).level
        },
        set(this: unknown, level: string) {
          materialize(stateOf(this)).level = level
        },
        configurable: true,
      },
    }
    for (const level of Object.keys(parent.levels.values)) {
      methods[level] = { value: levelMethod(level), writable: true, configurable: true }
    }
    prototype = Object.create(forwardingToChild(parent), methods) as object
    prototypes.set(parent, prototype)
  }
  return prototype
}

function forwardingToChild(parent: PinoLike): object {
  return new Proxy(Object.create(null) as object, {
    get(_target, property, receiver) {
      const child = materialize(stateOf(receiver))
      const value: unknown = Reflect.get(child, property, child)
      return typeof value === 'function' ? value.bind(child) : value
    },
    set(_target, property, value, receiver) {
      return Reflect.set(materialize(stateOf(receiver)), property, value)
    },
    has(_target, property) {
      return property in parent
    },
  })
}

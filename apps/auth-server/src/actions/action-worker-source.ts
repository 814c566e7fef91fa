/**
 * The code of the worker thread that runs one Action module. Kept as a
 * string (run with `eval: true`) so it works the same from sources (tests)
 * and from `dist/`, with no file to copy. CommonJS: eval workers are scripts.
 *
 * It imports the module once (and says `{ ready }`), then answers
 * `{ id, event, cache }` messages with `{ id, denied, claims, cache }` or
 * `{ id, error }`. Custom claim values go through JSON, as they end up in a JWT.
 *
 * The Action's own code runs as on Auth0 ("Actions Limitations"):
 * - it may import Node's modules but not the file system or processes
 *   (`fs`, `child_process`, …), and npm packages only when the Action declares
 *   them in `dependencies`; anything else fails as a missing module does. The
 *   packages it imports are not restricted. CommonJS `require` is checked by
 *   wrapping Module._load, ESM `import` by a resolve hook registered in this
 *   thread only.
 * - `process.env` is empty (the worker gets its own, empty environment).
 * - `api.cache` works on the trigger's cache, sent with each event and sent
 *   back changed: at most 20 entries, keys of 64 bytes, values of 4 KB, 8 KB
 *   in all, lifetimes of 15 minutes by default and 24 hours at most.
 */
/**
 * Why an Action's own code may not import \`specifier\` (a message), or
 * undefined when it may: relative files yes; Node's modules but those in
 * \`rule.unavailable\`; npm packages only those in \`rule.declared\`.
 * Source text, so that the worker and its ESM hooks thread share one rule.
 */
const REFUSAL_SOURCE = `
function packageOf(specifier) {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}
function refusal(specifier, rule) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) return undefined
  const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier
  if (rule.builtins.has(name) || specifier.startsWith('node:')) {
    return rule.unavailable.has(name.split('/')[0])
      ? "Cannot find module '" + specifier + "': Actions have no file system or processes"
      : undefined
  }
  if (rule.declared.has(packageOf(specifier))) return undefined
  return "Cannot find module '" + specifier + "': declare it in the Action's dependencies"
}
`

export const actionWorkerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const { pathToFileURL } = require('node:url')
const path = require('node:path')
const Module = require('node:module')

const restricted = new Set(workerData.restricted)
const declared = new Set(workerData.dependencies)
const actionDir = path.dirname(workerData.modulePath) + path.sep
const builtins = new Set(Module.builtinModules)
const UNAVAILABLE = new Set(${JSON.stringify(unavailableBuiltins())})

const CACHE_MAX_ENTRIES = 20
const CACHE_MAX_KEY_BYTES = 64
const CACHE_MAX_VALUE_BYTES = 4096
const CACHE_MAX_TOTAL_BYTES = 8192
const CACHE_DEFAULT_TTL_MS = 15 * 60 * 1000
const CACHE_MAX_TTL_MS = 24 * 60 * 60 * 1000

/** True for a file of the Action itself (not one of its packages). */
function isActionCode(filename) {
  return typeof filename === 'string' && filename.startsWith(actionDir) && !filename.includes(path.sep + 'node_modules' + path.sep)
}

${REFUSAL_SOURCE}
const rule = { declared, builtins, unavailable: UNAVAILABLE }

const load = Module._load
Module._load = function (request, parent, isMain) {
  if (parent && isActionCode(parent.filename)) {
    const problem = refusal(request, rule)
    if (problem) {
      const error = new Error(problem)
      error.code = 'MODULE_NOT_FOUND'
      throw error
    }
  }
  return load.apply(this, arguments)
}

// ESM: the same rule, in a resolve hook (hooks run in their own thread, so the rule goes as data).
Module.register(
  'data:text/javascript,' +
    encodeURIComponent(${JSON.stringify(esmHooksSource())}),
  { data: { actionDir, declared: [...declared], builtins: [...builtins], unavailable: [...UNAVAILABLE] } },
)

let loading
function loadAction() {
  loading ??= import(pathToFileURL(workerData.modulePath).href).then((mod) => {
    const fn = mod.onExecuteCredentialsExchange ?? mod.default?.onExecuteCredentialsExchange
    if (typeof fn !== 'function') throw new Error('the module exports no onExecuteCredentialsExchange')
    return fn
  })
  return loading
}

// Import at start, then say so: the time limit counts the Action's work, not the thread's start.
loadAction().then(
  () => parentPort.postMessage({ ready: true }),
  (error) => parentPort.postMessage({ ready: false, error: String(error && error.message ? error.message : error) }),
)

const bytes = (text) => Buffer.byteLength(text, 'utf8')

function createCache(entries) {
  const cache = new Map(entries)
  const live = () => {
    const now = Date.now()
    for (const [key, entry] of cache) if (entry.expiresAt <= now) cache.delete(key)
  }
  const total = () => {
    let sum = 0
    for (const [key, entry] of cache) sum += bytes(key) + bytes(entry.value)
    return sum
  }
  const api = {
    get(key) {
      live()
      const entry = cache.get(String(key))
      return entry ? { value: entry.value, expires_at: entry.expiresAt } : undefined
    },
    set(key, value, options) {
      live()
      key = String(key)
      value = String(value)
      if (bytes(key) === 0 || bytes(key) > CACHE_MAX_KEY_BYTES) return { type: 'error', code: 'invalid_key' }
      if (bytes(value) > CACHE_MAX_VALUE_BYTES) return { type: 'error', code: 'value_too_large' }
      if (!cache.has(key) && cache.size >= CACHE_MAX_ENTRIES) return { type: 'error', code: 'too_many_entries' }
      const now = Date.now()
      let expiresAt = now + CACHE_DEFAULT_TTL_MS
      if (options && Number.isFinite(options.ttl)) expiresAt = now + Math.max(0, options.ttl)
      if (options && Number.isFinite(options.expires_at)) expiresAt = Math.min(options.ttl === undefined ? Infinity : expiresAt, options.expires_at)
      expiresAt = Math.min(expiresAt, now + CACHE_MAX_TTL_MS)
      const previous = cache.get(key)
      cache.set(key, { value, expiresAt })
      if (total() > CACHE_MAX_TOTAL_BYTES) {
        if (previous) cache.set(key, previous)
        else cache.delete(key)
        return { type: 'error', code: 'cache_full' }
      }
      return { type: 'success' }
    },
    delete(key) {
      cache.delete(String(key))
      return { type: 'success' }
    },
  }
  return { api, entries: () => (live(), [...cache]) }
}

parentPort.on('message', async ({ id, event, cache: entries }) => {
  let denied
  const claims = {}
  const cache = createCache(entries ?? [])
  const api = {
    access: {
      deny(code, reason) {
        denied = { code: String(code), reason: String(reason ?? '') }
      },
    },
    accessToken: {
      setCustomClaim(name, value) {
        if (typeof name === 'string' && name !== '' && !restricted.has(name)) claims[name] = value
      },
    },
    cache: cache.api,
  }
  try {
    const fn = await loadAction()
    await fn(event, api)
    parentPort.postMessage({ id, denied, claims: JSON.parse(JSON.stringify(claims)), cache: cache.entries() })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) })
  }
})
`

/** Node modules an Action's code may not import: the file system and processes. */
function unavailableBuiltins(): string[] {
  return [
    'fs',
    'child_process',
    'cluster',
    'worker_threads',
    'inspector',
    'module',
    'repl',
    'v8',
    'vm',
    'wasi',
    'trace_events',
  ]
}

/** The ESM resolve hook: the rule of `refusal` above, for `import`. */
function esmHooksSource(): string {
  return `
import { fileURLToPath } from 'node:url'
let rule
export async function initialize(data) {
  rule = { ...data, declared: new Set(data.declared), builtins: new Set(data.builtins), unavailable: new Set(data.unavailable) }
}
${REFUSAL_SOURCE}
export async function resolve(specifier, context, next) {
  const parentURL = context.parentURL
  if (parentURL && parentURL.startsWith('file:')) {
    const parent = fileURLToPath(parentURL)
    if (parent.startsWith(rule.actionDir) && !parent.includes('/node_modules/')) {
      const problem = refusal(specifier, rule)
      if (problem) {
        const error = new Error(problem)
        error.code = 'ERR_MODULE_NOT_FOUND'
        throw error
      }
    }
  }
  return next(specifier, context)
}
`
}

/**
 * The code of the worker thread that runs one Action module. Kept as a
 * string (run with `eval: true`) so it works the same from sources (tests)
 * and from `dist/`, with no file to copy. CommonJS: eval workers are scripts.
 *
 * It imports the module once (and says `{ ready }`), then answers `{ id, event }` messages with
 * `{ id, denied, claims }` or `{ id, error }`. Custom claim values go through
 * JSON, as they end up in a JWT. `api.cache` lives in the worker: best
 * effort, as Auth0's is.
 */
export const actionWorkerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const { pathToFileURL } = require('node:url')
const restricted = new Set(workerData.restricted)
const cache = new Map()
let loading

function load() {
  loading ??= import(pathToFileURL(workerData.modulePath).href).then((mod) => {
    const fn = mod.onExecuteCredentialsExchange ?? mod.default?.onExecuteCredentialsExchange
    if (typeof fn !== 'function') throw new Error('the module exports no onExecuteCredentialsExchange')
    return fn
  })
  return loading
}

// Import at start, then say so: the time limit counts the Action's work, not the thread's start.
load().then(
  () => parentPort.postMessage({ ready: true }),
  (error) => parentPort.postMessage({ ready: false, error: String(error && error.message ? error.message : error) }),
)

parentPort.on('message', async ({ id, event }) => {
  let denied
  const claims = {}
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
    cache: {
      get(key) {
        const entry = cache.get(key)
        if (!entry || entry.expiresAt < Date.now()) return undefined
        return { value: entry.value }
      },
      set(key, value, options) {
        cache.set(key, { value: String(value), expiresAt: Date.now() + (options?.ttl ?? 900000) })
        return { type: 'success' }
      },
      delete(key) {
        cache.delete(key)
        return { type: 'success' }
      },
    },
  }
  try {
    const fn = await load()
    await fn(event, api)
    parentPort.postMessage({ id, denied, claims: JSON.parse(JSON.stringify(claims)) })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) })
  }
})
`

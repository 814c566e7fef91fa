import { Worker } from 'node:worker_threads'
import type { Client, CredentialsExchangeAction, Organization } from '../tenant/model.js'
import { actionWorkerSource } from './action-worker-source.js'
import { RESTRICTED_CLAIMS } from './restricted-claims.js'

/** What the Actions decided for one exchange. */
export type ActionOutcome =
  | { kind: 'allow'; customClaims: Record<string, unknown> }
  | { kind: 'deny'; code: string; reason: string }
  | { kind: 'failed'; action: string; error: string }

export interface CredentialsExchangeEvent {
  client: { client_id: string; name: string; metadata: Record<string, string> }
  resource_server: { identifier: string }
  request: {
    body: Record<string, unknown>
    ip: string
    method: string
    hostname: string
    user_agent: string | undefined
  }
  organization?: {
    id: string
    name: string
    display_name: string
    metadata: Record<string, string>
  }
  transaction: { requested_scopes: string[] }
  accessToken: { scope: string[]; customClaims: Record<string, unknown> }
  secrets: Record<string, string>
  tenant: { id: string }
}

const DENY_CODES = new Set(['invalid_scope', 'invalid_request', 'server_error'])

/** The trigger's `api.cache`, as entries: key, then value and expiry (epoch ms). */
type CacheEntries = Array<[string, { value: string; expiresAt: number }]>

type Reply = {
  id: number
  denied?: { code: string; reason: string }
  claims?: Record<string, unknown>
  /** The cache as the Action left it. */
  cache?: CacheEntries
  error?: string
  /** How long the Action ran (from the event sent to its answer), in ms. */
  elapsedMs?: number
}

/**
 * Runs one Action in worker threads, one invocation per worker at a time: a
 * throw (even from a timer), a busy loop or a hang fails that invocation —
 * never the server, nor the exchanges running beside it. A worker that timed
 * out or crashed is terminated; idle workers are reused (the module is
 * imported once per worker), at most `maxWorkers` at once, then calls queue.
 */
class ActionPool {
  private readonly idle: Worker[] = []
  private readonly queue: Array<() => void> = []
  private size = 0
  private sequence = 0
  private closed = false

  private readonly loadTimeoutMs: number

  constructor(
    private readonly action: CredentialsExchangeAction,
    flowTimeoutMs: number,
    private readonly maxWorkers = 8,
  ) {
    this.loadTimeoutMs = Math.max(10_000, flowTimeoutMs * 4)
  }

  /** Runs the Action on `event`; past `timeoutMs` it fails and its worker is terminated. */
  async run(
    event: CredentialsExchangeEvent,
    cache: CacheEntries,
    timeoutMs: number,
  ): Promise<Reply> {
    let worker: Worker
    try {
      worker = await this.acquire()
    } catch (error) {
      return { id: 0, error: (error as Error).message }
    }
    const id = ++this.sequence
    const started = performance.now()
    return new Promise<Reply>((resolve) => {
      let settled = false
      const finish = (answer: Reply, healthy: boolean) => {
        if (settled) return
        settled = true
        const reply = { ...answer, elapsedMs: performance.now() - started }
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
        if (healthy) this.release(worker)
        else this.discard(worker)
        resolve(reply)
      }
      const onMessage = (reply: Reply) => {
        if (reply.id === id) finish(reply, true)
      }
      const onError = (error: Error) => finish({ id, error: error.message }, false)
      const onExit = () => finish({ id, error: 'the action worker stopped' }, false)
      const timer = setTimeout(
        () => finish({ id, error: `timed out after ${timeoutMs} ms` }, false),
        timeoutMs,
      )
      worker.on('message', onMessage)
      worker.on('error', onError)
      worker.on('exit', onExit)
      worker.postMessage({ id, event, cache })
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()))
  }

  private acquire(): Promise<Worker> {
    const ready = this.idle.pop()
    if (ready) return Promise.resolve(ready)
    if (this.size < this.maxWorkers) {
      this.size++
      return this.spawn().catch((error: unknown) => {
        this.size--
        this.queue.shift()?.()
        throw error
      })
    }
    return new Promise((resolve, reject) =>
      this.queue.push(() => this.acquire().then(resolve, reject)),
    )
  }

  private release(worker: Worker): void {
    if (this.closed) {
      void worker.terminate()
      return
    }
    this.idle.push(worker)
    this.queue.shift()?.()
  }

  private discard(worker: Worker): void {
    this.size--
    void worker.terminate()
    this.queue.shift()?.()
  }

  /** A worker that has imported the module; bounded, so a module that hangs on import fails. */
  private spawn(): Promise<Worker> {
    const worker = new Worker(actionWorkerSource, {
      eval: true,
      workerData: {
        modulePath: this.action.modulePath,
        restricted: RESTRICTED_CLAIMS,
        dependencies: this.action.dependencies,
      },
      // An Action sees no environment variable of the server.
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    })
    // An error between invocations (a late timer) must not become an uncaught
    // event, and a worker that died while idle must not be handed out again.
    worker.on('error', () => {})
    worker.on('exit', () => {
      const index = this.idle.indexOf(worker)
      if (index !== -1) {
        this.idle.splice(index, 1)
        this.size--
      }
    })
    worker.unref()
    return new Promise<Worker>((resolve, reject) => {
      const fail = (message: string) => {
        clearTimeout(timer)
        worker.off('message', onMessage)
        void worker.terminate()
        reject(new Error(message))
      }
      const onMessage = (message: { ready?: boolean; error?: string }) => {
        if (message.ready === undefined) return
        if (!message.ready) return fail(message.error ?? 'the module failed to load')
        clearTimeout(timer)
        worker.off('message', onMessage)
        resolve(worker)
      }
      const timer = setTimeout(
        () => fail(`the module did not load within ${this.loadTimeoutMs} ms`),
        this.loadTimeoutMs,
      )
      worker.on('message', onMessage)
      worker.once('exit', () => fail('the action worker stopped while loading'))
    })
  }
}

/** Auth0's time limit for a whole flow (every Action of the trigger): 20 seconds. */
export const ACTIONS_FLOW_TIMEOUT_MS = 20_000

/**
 * Runs the credentials-exchange Actions in order, as Auth0 does: each gets the
 * `event` and an `api` (`access.deny`, `accessToken.setCustomClaim`, `cache`);
 * a denial stops the chain; an Action that throws, or a flow that runs past
 * `timeoutMs` in all, fails the exchange. `api.cache` is the trigger's, shared
 * by its Actions and exchanges (best effort, as on Auth0). Modules may be ESM
 * or CommonJS (`exports.onExecuteCredentialsExchange`).
 */
export function createActionRunner(
  actions: CredentialsExchangeAction[],
  timeoutMs = ACTIONS_FLOW_TIMEOUT_MS,
) {
  const workers = actions.map((action) => ({ action, worker: new ActionPool(action, timeoutMs) }))
  let cache: CacheEntries = []

  async function run(
    base: Omit<CredentialsExchangeEvent, 'secrets' | 'accessToken'> & { grantedScopes: string[] },
  ): Promise<ActionOutcome> {
    const customClaims: Record<string, unknown> = {}
    const { grantedScopes, ...rest } = base
    // The limit counts the Actions' running time, not the wait for a free worker.
    let spentMs = 0
    for (const { action, worker } of workers) {
      const reply = await worker.run(
        {
          ...rest,
          accessToken: { scope: [...grantedScopes], customClaims: { ...customClaims } },
          secrets: { ...action.secrets },
        },
        cache,
        Math.max(1, Math.round(timeoutMs - spentMs)),
      )
      spentMs += reply.elapsedMs ?? 0
      if (reply.cache) cache = reply.cache
      if (reply.error !== undefined)
        return { kind: 'failed', action: action.name, error: reply.error }
      if (reply.denied) {
        const code = DENY_CODES.has(reply.denied.code) ? reply.denied.code : 'invalid_request'
        return { kind: 'deny', code, reason: reply.denied.reason }
      }
      Object.assign(customClaims, reply.claims)
    }
    return { kind: 'allow', customClaims }
  }

  return Object.assign(run, {
    /** How many Actions run on each exchange (none: the caller can skip building the event). */
    count: workers.length,
    async close() {
      await Promise.all(workers.map(({ worker }) => worker.close()))
    },
  })
}

/** The event's organization, in the Action's shape. */
export function organizationForEvent(org: Organization | undefined) {
  return org
    ? { id: org.id, name: org.name, display_name: org.display_name, metadata: { ...org.metadata } }
    : undefined
}

/** The event's client, in the Action's shape. */
export function clientForEvent(client: Client) {
  return { client_id: client.client_id, name: client.name, metadata: { ...client.client_metadata } }
}

import { Agent } from 'undici'
import { destinationOf, postDelivery } from './fault-stack.js'

/** Transport errors that mean "not accepted": the connection was refused or closed before an answer. */
const CLEAN_REFUSALS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'])

export interface LoadResult {
  /** Idempotency-Key → delivery id, for every 201/202. */
  accepted: Map<string, string>
  /** Keys never answered 201/202 (refused, reset, 503): to retry with the same key. */
  unanswered: Set<string>
  /** How each unanswered attempt ended: status or error code, counted. */
  refusals: Record<string, number>
  /** Anything else: a 500, an unknown transport error. Must stay empty. */
  unexpected: string[]
  /** The request body of each key, to retry it exactly. */
  run: number
}

/**
 * `POST /deliveries` from `lanes` concurrent callers, each with its own
 * Idempotency-Key per delivery (`<prefix>-<lane>-<n>`), until stopped. A
 * refused or unanswered delivery is recorded for a retry with the same key,
 * as a careful client does.
 */
export function startDeliveryLoad(options: {
  url: () => string
  token: string
  run: number
  lanes?: number
}) {
  const dispatcher = new Agent({ headersTimeout: 60_000, bodyTimeout: 60_000 })
  const result: LoadResult = {
    accepted: new Map(),
    unanswered: new Set(),
    refusals: {},
    unexpected: [],
    run: options.run,
  }
  let stopped = false
  let sent = 0
  const count = (what: string) => {
    result.refusals[what] = (result.refusals[what] ?? 0) + 1
  }

  async function lane(lane: number) {
    for (let n = 0; !stopped; n++) {
      const key = `run${options.run}-${lane}-${n}`
      sent++
      try {
        const answer = await postDelivery(
          options.url(),
          options.token,
          { key, destination: destinationFor(options.run, key) },
          dispatcher,
        )
        if (answer.status === 201 || answer.status === 202) {
          result.accepted.set(key, answer.id as string)
        } else if (answer.status === 503) {
          result.unanswered.add(key)
          count('503')
        } else {
          result.unexpected.push(`${key}: ${answer.status} ${JSON.stringify(answer.body)}`)
        }
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unknown'
        result.unanswered.add(key)
        if (CLEAN_REFUSALS.has(code)) count(code)
        else result.unexpected.push(`${key}: ${code} ${(error as Error).message}`)
        // The server is going or gone: no hot loop against a closed port.
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }
  const lanes = Array.from({ length: options.lanes ?? 16 }, (_, i) => lane(i))

  return {
    sent: () => sent,
    /** Resolves once `more` further requests were sent. */
    async waitFor(more: number) {
      const target = sent + more
      while (sent < target) await new Promise((resolve) => setTimeout(resolve, 20))
    },
    async stop(): Promise<LoadResult> {
      stopped = true
      await Promise.all(lanes)
      await dispatcher.close()
      return result
    },
  }
}

/** The same key always gets the same body (the same destination), so a retry is a true replay. */
export function destinationFor(run: number, key: string) {
  const [, lane, n] = key.split('-').map(Number) as [number, number, number]
  return destinationOf(run, lane * 997 + n)
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

export type FaultTarget = 'token' | 'jwks'

export interface Fault {
  target: FaultTarget
  /** Answer with this status (and an Auth0-shaped error body) instead of the real answer. */
  status?: number
  /** Wait this long before answering (or before the fault). */
  latencyMs?: number
  /** Destroy the connection with no answer. */
  drop?: boolean
  /** For the next `count` requests to the target. */
  count: number
}

/**
 * Test controls, for clients' tests to prove retries and caching: fault
 * injection on `/oauth/token` and the JWKS, and per-client exchange counts.
 * Registered only when `AUTH_SERVER_TEST_CONTROLS` is on, under `/__test__/`,
 * a prefix no Auth0 path uses.
 */
export function createTestControls() {
  const faults: Fault[] = []
  const exchanges = new Map<string, { succeeded: number; failed: number }>()

  function countExchange(clientId: string | undefined, ok: boolean) {
    const key = clientId ?? '(unknown)'
    const entry = exchanges.get(key) ?? { succeeded: 0, failed: 0 }
    if (ok) entry.succeeded++
    else entry.failed++
    exchanges.set(key, entry)
  }

  /** An onRequest hook for a target route: applies the next fault for it, if any. */
  function faultHook(target: FaultTarget) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const fault = faults.find((f) => f.target === target)
      if (!fault) return
      fault.count--
      if (fault.count <= 0) faults.splice(faults.indexOf(fault), 1)
      if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs))
      if (fault.drop) {
        request.raw.socket.destroy()
        return reply.hijack()
      }
      if (fault.status) {
        return reply.code(fault.status).send({
          error: 'injected_fault',
          error_description: `Injected ${fault.status} (test controls)`,
        })
      }
    }
  }

  async function routes(app: FastifyInstance) {
    app.post(
      '/__test__/faults',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['target'],
            properties: {
              target: { enum: ['token', 'jwks'] },
              status: { type: 'integer', minimum: 400, maximum: 599 },
              latencyMs: { type: 'integer', minimum: 0, maximum: 120_000 },
              drop: { type: 'boolean' },
              count: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
            },
          },
        },
      },
      async (request, reply) => {
        const fault = request.body as Fault
        faults.push(fault)
        return reply.code(201).send(fault)
      },
    )
    app.delete('/__test__/faults', async (_request, reply) => {
      faults.length = 0
      return reply.code(204).send()
    })
    app.get('/__test__/exchanges', async () => Object.fromEntries(exchanges))
    app.delete('/__test__/exchanges', async (_request, reply) => {
      exchanges.clear()
      return reply.code(204).send()
    })
  }

  return { countExchange, faultHook, routes }
}

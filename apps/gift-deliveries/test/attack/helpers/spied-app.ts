import { createTokenProvider } from '@m2m/auth/token'
import { readHttpAnswer } from '@m2m/test-kit'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { type Dispatcher, request } from 'undici'
import { buildApp } from '../../../src/app.js'
import type { Planner } from '../../../src/deliveries/plan-delivery.js'
import { createWorldMappersClient } from '../../../src/planning/world-mappers-client.js'
import type { DeliveryStore } from '../../../src/store/delivery-store.js'
import { openStore } from '../../../src/store/open-store.js'
import { dev } from '../../helpers/system.js'

/** A copy of `target` whose every method call is counted (targets may be frozen: no Proxy). */
function counted<T extends object>(target: T, onCall: () => void): T {
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(target)) {
    const value = (target as Record<string, unknown>)[key]
    copy[key] =
      typeof value === 'function'
        ? (...args: unknown[]) => {
            onCall()
            return Reflect.apply(value, target, args)
          }
        : value
  }
  return copy as T
}

/**
 * The real gift-deliveries app (real store in memory, real planner calling
 * world-mappers with real M2M tokens) on loopback, with every call into the
 * store and the planner counted: the route handlers are their only callers
 * during a request, so an unchanged count means no handler ran.
 */
export async function startSpiedGiftDeliveries(
  issuer: string,
  worldMappersUrl: string,
  logger?: FastifyServerOptions['loggerInstance'],
) {
  let calls = 0
  const store = await openStore({})
  const tokens = createTokenProvider({
    issuer,
    ...dev('GIFT_DELIVERIES'),
    audience: 'urn:worldmappers',
  })
  const planner = createWorldMappersClient({ baseUrl: worldMappersUrl, tokens, timeoutMs: 5_000 })
  const app: FastifyInstance = await buildApp({
    issuer,
    audience: 'urn:gift-deliveries',
    store: counted<DeliveryStore>(store, () => {
      calls += 1
    }),
    planner: counted<Planner>(planner, () => {
      calls += 1
    }),
    planTimeoutMs: 5_000,
    inlineLeaseMs: 0,
    ...(logger ? { logger } : {}),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  async function call(
    method: 'GET' | 'POST',
    path: string,
    headers: Dispatcher.DispatchOptions['headers'] = {},
    body?: string,
  ) {
    return readHttpAnswer(
      await request(`${url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      }),
    )
  }

  return {
    app,
    store,
    call,
    handlerCalls: () => calls,
    close: async () => {
      await app.close()
      await planner.close()
      await tokens.close()
      await store.close()
    },
  }
}

export type SpiedGiftDeliveries = Awaited<ReturnType<typeof startSpiedGiftDeliveries>>

import { randomBytes } from 'node:crypto'
import { createRedisTokenCache, createTokenProvider } from '@m2m/auth/token'
import { startRedisServer } from '@m2m/test-kit'
import { BENCH_AUDIENCE, CLIENTS, secretOf } from '../runner/bench-tenant.js'
import { count } from '../runner/format.js'
import { type Scenario, target } from '../runner/types.js'

const REPLICAS = 4

/**
 * Scale-out (issue 9): four replicas of one M2M client, each with its own
 * provider, in-process single flight and Redis connection, share one Redis
 * token cache; N concurrent callers spread over them on a cold cache. The
 * exchanges are counted at the tenant. (The real thing, three gift-deliveries
 * processes, is apps/gift-deliveries/test/scale/replicas.test.ts.)
 */
export const replicas: Scenario = {
  id: '7',
  title: 'Replicas sharing a Redis token cache',
  tolerant: true,
  async run(context) {
    const { tenant } = context
    const callers = context.settings.concurrentCallers
    const redis = await startRedisServer()
    const encryptionKey = randomBytes(32)
    const failures: string[] = []
    const rows: string[][] = []
    let exchanges = Number.NaN
    try {
      // As in scenario 3: the tenant's first-contact cost (scrypt) is not the client's.
      await tenant.token(CLIENTS.provider, BENCH_AUDIENCE)
      await tenant.resetExchanges()
      const fleet = await Promise.all(
        Array.from({ length: REPLICAS }, async () => {
          const cache = await createRedisTokenCache({ url: redis.url, encryptionKey })
          const provider = createTokenProvider({
            issuer: tenant.issuer,
            clientId: CLIENTS.provider,
            clientSecret: secretOf(CLIENTS.provider),
            audience: BENCH_AUDIENCE,
            cache,
          })
          return { cache, provider }
        }),
      )
      const started = performance.now()
      const settled = await Promise.allSettled(
        Array.from({ length: callers }, (_, i) =>
          (fleet[i % REPLICAS] as (typeof fleet)[number]).provider.getToken(),
        ),
      )
      const ms = performance.now() - started
      for (const { cache, provider } of fleet) {
        await provider.close()
        await cache.close()
      }
      const counts = (await tenant.exchanges())[CLIENTS.provider] ?? { succeeded: 0, failed: 0 }
      exchanges = counts.succeeded + counts.failed
      const tokens = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
      if (tokens.length < callers) {
        failures.push(`replicas: ${callers - tokens.length} of ${callers} callers got no token`)
      }
      rows.push([
        `${REPLICAS} replicas, @m2m/auth + Redis token cache`,
        count(callers),
        count(exchanges),
        count(new Set(tokens).size),
        ms.toFixed(0),
      ])
    } catch (error) {
      failures.push(`replicas: ${(error as Error).message}`)
    } finally {
      await redis.stop()
    }
    return {
      tables: [
        {
          title: `getToken() from N concurrent callers over ${REPLICAS} replicas on a cold shared cache`,
          columns: ['setup', 'callers', 'exchanges', 'distinct tokens', 'all done ms'],
          rows,
        },
      ],
      notes: [
        'each replica: its own provider and Redis connection (redis-server started for the run); tokens AES-256-GCM sealed in Redis',
      ],
      failures,
      targets: [target(`exchanges for ${REPLICAS} replicas`, exchanges, 1, 'exactly')],
      measurements: { replicas: REPLICAS, callers, exchanges },
    }
  },
}

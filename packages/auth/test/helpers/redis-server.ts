import { startRedisServer as startServer } from '@m2m/test-kit'
import { Redis } from 'ioredis'

/**
 * A real redis-server on a free loopback port, without persistence (see
 * `@m2m/test-kit`), plus a plain client to look at (or tamper with) what the
 * cache wrote.
 */
export async function startRedisServer() {
  const server = await startServer()
  return {
    ...server,
    inspect: () => new Redis(server.url, { lazyConnect: false, maxRetriesPerRequest: 1 }),
  }
}

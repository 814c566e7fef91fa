import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findBusyPorts } from '../src/ports.js'
import { startStackProcess } from './helpers/stack-process.js'

describe('a port that is already taken', () => {
  let holder: Server
  let taken: number
  beforeAll(async () => {
    holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    taken = (holder.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())))

  it('is named with its service and variable by findBusyPorts', async () => {
    const problems = await findBusyPorts('127.0.0.1', [
      { name: 'world-mappers', port: taken, portVariable: 'WORLD_MAPPERS_PORT' },
    ])
    expect(problems).toEqual([
      `port ${taken} (world-mappers) is already in use: stop what holds it or set WORLD_MAPPERS_PORT`,
    ])
  })

  it('names two services given the same port', async () => {
    const problems = await findBusyPorts('127.0.0.1', [
      { name: 'auth-server', port: 1, portVariable: 'AUTH_SERVER_PORT' },
      { name: 'gift-deliveries', port: 1, portVariable: 'GIFT_DELIVERIES_PORT' },
    ])
    expect(problems).toContain('port 1 is given to both auth-server and gift-deliveries')
  })

  it('makes `pnpm start` say which and exit non-zero, starting nothing', async () => {
    const stack = await startStackProcess({ GIFT_DELIVERIES_PORT: String(taken) })
    try {
      const code = await stack.exited
      expect(code).not.toBe(0)
      expect(stack.output()).toContain(
        `m2m: port ${taken} (gift-deliveries) is already in use: stop what holds it or set GIFT_DELIVERIES_PORT`,
      )
      expect(stack.output()).not.toMatch(/auth-server +\| /)
    } finally {
      await stack.cleanup()
    }
  })
})

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { loadInTicks } from '../src/runner/tick-load.js'

let servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))))
  servers = []
})

async function serve(status: number, seen: string[]): Promise<string> {
  const server = createServer((request, response) => {
    seen.push(request.headers.authorization ?? '')
    response.statusCode = status
    response.end('{}')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

describe('load in ticks', () => {
  it("loads every target at once and counts each one's responses and CPU second by second", async () => {
    const seenA: string[] = []
    const seenB: string[] = []
    const targets = [
      { url: await serve(200, seenA), pid: process.pid },
      { url: await serve(200, seenB), pid: process.pid },
    ]
    const ticks = await loadInTicks(targets, 'Bearer t', 2, 2)
    expect(ticks).toHaveLength(2)
    for (const [index, list] of ticks.entries()) {
      // The CPU before the load, then one tick a second.
      expect(list).toHaveLength(3)
      expect(list[0]?.responses).toBe(0)
      const counted = list.reduce((sum, tick) => sum + tick.responses, 0)
      const seen = index === 0 ? seenA : seenB
      expect(counted).toBeGreaterThan(0)
      // autocannon stops at its next second: what it sends after the last tick is not counted.
      expect(counted).toBeLessThanOrEqual(seen.length)
      expect(list.every((tick) => Number.isInteger(tick.responses) && tick.responses >= 0)).toBe(
        true,
      )
      for (let i = 1; i < list.length; i++) {
        expect(list[i]?.userMicros).toBeGreaterThanOrEqual(list[i - 1]?.userMicros as number)
      }
    }
    expect(new Set([...seenA, ...seenB])).toEqual(new Set(['Bearer t']))
  })

  it('throws when a target answered other than 2xx', async () => {
    const url = await serve(500, [])
    await expect(loadInTicks([{ url, pid: process.pid }], 'Bearer t', 1, 1)).rejects.toThrow(
      /answers other than 2xx/,
    )
  })
})

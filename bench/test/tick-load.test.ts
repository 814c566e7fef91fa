import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { keepsByWindow, measurePaired, totalCost } from '../src/runner/paired-windows.js'
import { loadInTicks } from '../src/runner/tick-load.js'

let servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))))
  servers = []
})

async function serve(status: number, seen: string[], delayMs = 0): Promise<string> {
  const server = createServer((request, response) => {
    seen.push(request.headers.authorization ?? '')
    response.statusCode = status
    if (delayMs > 0) setTimeout(() => response.end('{}'), delayMs)
    else response.end('{}')
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
    const { ticks, responses } = await loadInTicks(targets, ['Bearer t'], 2, 2)
    expect(ticks).toHaveLength(2)
    expect(responses).toHaveLength(2)
    for (const [index, list] of ticks.entries()) {
      // The CPU before the load, then one tick a second.
      expect(list).toHaveLength(3)
      expect(list[0]?.responses).toBe(0)
      const counted = list.reduce((sum, tick) => sum + tick.responses, 0)
      const seen = index === 0 ? seenA : seenB
      expect(counted).toBeGreaterThan(0)
      // autocannon stops at its next second: what it sends after the last tick is not in the ticks.
      expect(counted).toBeLessThanOrEqual(responses[index] as number)
      expect(responses[index]).toBeLessThanOrEqual(seen.length)
      expect(list.every((tick) => Number.isInteger(tick.responses) && tick.responses >= 0)).toBe(
        true,
      )
      for (let i = 1; i < list.length; i++) {
        expect(list[i]?.userMicros).toBeGreaterThanOrEqual(list[i - 1]?.userMicros as number)
      }
    }
    expect(new Set([...seenA, ...seenB])).toEqual(new Set(['Bearer t']))
  })

  it('sends several authorizations in turn to every target, each from the first', async () => {
    const seenA: string[] = []
    const seenB: string[] = []
    const fleet = Array.from({ length: 7 }, (_, i) => `Bearer device-${i}`)
    const targets = [
      { url: await serve(200, seenA), pid: process.pid },
      { url: await serve(200, seenB, 1), pid: process.pid },
    ]
    await loadInTicks(targets, fleet, 1, 1)
    for (const seen of [seenA, seenB]) {
      // One connection: the server sees them in the order sent.
      expect(seen.length).toBeGreaterThan(fleet.length)
      expect(seen).toEqual(seen.map((_, i) => fleet[i % fleet.length]))
    }
  })

  it('refuses to load with no authorization', async () => {
    const url = await serve(200, [])
    await expect(loadInTicks([{ url, pid: process.pid }], [], 1, 1)).rejects.toThrow(
      /no authorization/,
    )
  })

  it('throws when a target answered other than 2xx', async () => {
    const url = await serve(500, [])
    await expect(loadInTicks([{ url, pid: process.pid }], ['Bearer t'], 1, 1)).rejects.toThrow(
      /answers other than 2xx/,
    )
  })
})

describe('two at once', () => {
  it("keeps each server's windows its own while the first connected alternates", async () => {
    // One process serves both: the same CPU over a window, divided by each one's responses.
    // The slow one answers far fewer, so its CPU per response is far higher in every window.
    const fast = await serve(200, [])
    const slow = await serve(200, [], 20)
    const paired = await measurePaired(
      [
        { url: fast, pid: process.pid },
        { url: slow, pid: process.pid },
      ],
      ['Bearer t'],
      { connections: 2, windows: 2, seconds: 2, warmUpSeconds: 0 },
    )
    expect(paired.a).toHaveLength(2)
    expect(paired.b).toHaveLength(2)
    for (const [index, window] of paired.a.entries()) {
      expect(totalCost(window)).toBeGreaterThan(0)
      expect(totalCost(window)).toBeLessThan(totalCost(paired.b[index] as typeof window))
    }
    expect(keepsByWindow(paired).every((keeps) => keeps > 0 && keeps < 1)).toBe(true)
    // Every response of the windows, each server's own: the fast one answered more.
    expect(paired.responses.a).toBeGreaterThan(paired.responses.b)
    expect(paired.responses.b).toBeGreaterThan(0)
  })

  it("says what b keeps of a: a's CPU per request over b's, window by window", () => {
    const paired = {
      a: [
        { user: 20, system: 10 },
        { user: 30, system: 10 },
      ],
      b: [
        { user: 20, system: 20 },
        { user: 30, system: 10 },
      ],
      responses: { a: 2_000, b: 2_000 },
    }
    expect(keepsByWindow(paired)).toEqual([0.75, 1])
  })
})

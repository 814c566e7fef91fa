import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { freePort } from '../src/index.js'

describe('freePort', () => {
  it('never hands out a port twice, and each can be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 300 }, () => freePort()))
    expect(new Set(ports).size).toBe(ports.length)
    for (const port of ports.slice(0, 20)) {
      const server = createServer()
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, '127.0.0.1', resolve)
      })
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

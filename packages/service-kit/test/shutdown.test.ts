import { Agent, request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { serviceServerOptions } from '../src/index.js'
import { sweepIdleConnections } from '../src/shutdown.js'

/** A service with one slow route, listening on loopback; `received` settles once a request is in. */
async function slowService() {
  const app = Fastify(serviceServerOptions(undefined))
  let onReceived: () => void = () => {}
  const received = new Promise<void>((resolve) => {
    onReceived = resolve
  })
  app.get('/slow', async () => {
    onReceived()
    await sleep(200)
    return { done: true }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { app, port, received }
}

/** A GET through a keep-alive agent: the connection stays open for reuse once answered. */
function get(port: number, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/slow', agent }, (res) => {
      res.resume().once('end', () => resolve(res.statusCode ?? 0))
    })
      .once('error', reject)
      .end()
  })
}

const settledWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true), sleep(ms).then(() => false)])

const agents: Agent[] = []
afterEach(() => {
  for (const agent of agents.splice(0)) agent.destroy()
})

describe('a graceful stop with a kept-alive connection in flight', () => {
  it('without the sweep, the answered connection holds close() until the client drops it', async () => {
    const { app, port, received } = await slowService()
    const agent = new Agent({ keepAlive: true })
    agents.push(agent)
    const answered = get(port, agent)
    await received
    const closed = app.close()
    expect(await answered).toBe(200)
    expect(await settledWithin(closed, 1_000)).toBe(false)
    agent.destroy()
    await closed
  })

  it('sweepIdleConnections closes it once answered, so close() ends with the request', async () => {
    const { app, port, received } = await slowService()
    const agent = new Agent({ keepAlive: true })
    agents.push(agent)
    const answered = get(port, agent)
    await received
    const sweep = sweepIdleConnections([app.server])
    const closed = app.close()
    expect(await answered).toBe(200)
    expect(await settledWithin(closed, 1_000)).toBe(true)
    sweep.stop()
  })
})

/**
 * Child process: a bare Fastify route on 127.0.0.1 answering `GET <BENCH_PATH>`
 * with the JSON value of `BENCH_BODY`, serialized per request as any route
 * returning an object is, and nothing else: the limit a whole app on the same
 * route is compared with (port in the ready message).
 */
import Fastify from 'fastify'
import { announce } from '../runner/processes.js'

await announce(async () => {
  const path = process.env.BENCH_PATH
  const body = process.env.BENCH_BODY
  if (!path || !body) throw new Error('BENCH_PATH and BENCH_BODY are required')
  const value = JSON.parse(body) as object
  const app = Fastify()
  app.get(path, async () => value)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as { port: number }).port }
})

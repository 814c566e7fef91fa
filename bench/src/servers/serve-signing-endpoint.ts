/**
 * Child process: the least a token endpoint on Fastify can be. A bare Fastify
 * `POST /oauth/token` on 127.0.0.1 that reads the form (`@fastify/formbody`,
 * as the tenant does), refuses any grant but `client_credentials`, and answers
 * a token of the tenant's form signed as the raw loop signs it (`BENCH_KEY_FILE`,
 * `BENCH_CLAIMS`): no client authentication, rate limit, log or telemetry.
 * What the tenant costs above it is what its own code costs (port in the
 * ready message). With `BENCH_SIGN_ONCE=1` it answers one token signed at
 * start to every request: what the HTTP around a token costs, without the
 * signature. With `BENCH_SIGN_BATCHED=1` it signs the tokens asked in one turn
 * of the event loop back to back, with `@m2m/auth`'s `batchPerTurn`, as the tenant signs.
 */
import formbody from '@fastify/formbody'
import { batchPerTurn } from '@m2m/auth'
import Fastify from 'fastify'
import { createRawSigner } from '../issuance/raw-signer.js'
import { announce } from '../runner/processes.js'

await announce(async () => {
  const keyFile = process.env.BENCH_KEY_FILE
  const claims = process.env.BENCH_CLAIMS
  if (!keyFile || !claims) throw new Error('BENCH_KEY_FILE and BENCH_CLAIMS are required')
  const { signOne, lifetime } = await createRawSigner(keyFile, JSON.parse(claims))
  const signedOnce = process.env.BENCH_SIGN_ONCE === '1' ? signOne() : undefined
  const signInTurn = process.env.BENCH_SIGN_BATCHED === '1' ? batchPerTurn(signOne) : undefined
  const app = Fastify()
  await app.register(formbody, { bodyLimit: 16 * 1024 })
  app.post('/oauth/token', async (request, reply) => {
    const form = request.body as Record<string, string | undefined> | undefined
    if (form?.grant_type !== 'client_credentials') {
      return reply.code(400).send({ error: 'unsupported_grant_type' })
    }
    // Only the batched route awaits: a promise costs the others nothing.
    const token = signedOnce ?? (signInTurn ? await signInTurn(undefined) : signOne())
    return { access_token: token, token_type: 'Bearer', expires_in: lifetime }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as { port: number }).port }
})

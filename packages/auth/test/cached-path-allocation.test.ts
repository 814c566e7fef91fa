import { sampleAllocations } from '@m2m/test-kit'
import Fastify from 'fastify'
import { Pool } from 'undici'
import { expect, it } from 'vitest'
import m2mAuth from '../src/fastify/index.js'
import { createVerifier } from '../src/verify/index.js'
import { createTestIssuer, TEST_AUDIENCE, TEST_ISSUER } from './helpers/fake-verifier.js'

/** The default rule (no scopes), all-of and any-of. */
const ROUTES = ['/me', '/geocode', '/either']

// Freed objects counted too: what a request allocates and drops is what the young
// generation's collector works for (issue 15; `pnpm --filter @m2m/bench alloc-census`).
/** Bytes allocated by functions of this package's sources while `run` runs (sampled). */
async function allocatedBySources(run: () => Promise<void>): Promise<number> {
  const sites = await sampleAllocations(run, 256)
  let bytes = 0
  for (const [site, size] of Object.entries(sites)) {
    if (site.includes('/packages/auth/src/')) bytes += size
  }
  return bytes
}

it('a request on a token the verifier holds: the plugin allocates a few small objects', async () => {
  const issuer = createTestIssuer({ kid: 'alloc' })
  const verifier = createVerifier({
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    jwks: () => ({ keys: [issuer.publicJwk] }),
  })
  const app = Fastify()
  await app.register(m2mAuth, { verifier, realm: 'api' })
  app.get('/me', async () => ({ ok: true }))
  app.get('/geocode', { config: { scopes: ['geocode:location'] } }, async () => ({ ok: true }))
  app.get('/either', { config: { scopes: { anyOf: ['a:read', 'geocode:location'] } } }, () => ({
    ok: true,
  }))
  // Over HTTP, not `inject`: light-my-request builds `rawHeaders` anew on every read.
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 })
  const headers = { authorization: `Bearer ${issuer.sign({ scope: 'geocode:location' })}` }
  const send = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const path = ROUTES[i % ROUTES.length] as string
      const { statusCode, body } = await pool.request({ method: 'GET', path, headers })
      await body.dump()
      if (statusCode !== 200) throw new Error(`${path}: ${statusCode}`)
    }
  }
  try {
    await send(5_000)
    // The least of four windows: on a busy machine (CI runs every suite at once) the
    // optimizing compiler may still be behind in the first, and unoptimized code
    // allocates what escape analysis later removes.
    const requests = 5_000
    const windows: number[] = []
    for (let i = 0; i < 4; i++) {
      windows.push((await allocatedBySources(() => send(requests))) / requests)
    }
    const perRequest = Math.min(...windows)
    // Today about 140 bytes, most of it the cache lookup's key and the token's substring
    // of the header. The extraction as it was (a slice, then a trimmed copy of it, and a
    // lower-cased copy of each header name) came to about 177.
    expect(perRequest).toBeLessThan(170)
  } finally {
    await pool.close()
    await app.close()
    await verifier.close()
  }
}, 90_000)

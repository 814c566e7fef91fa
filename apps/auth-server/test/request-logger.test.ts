import { createServiceLogger } from '@m2m/auth'
import { captureLogLines } from '@m2m/test-kit'
import { expect, it, vi } from 'vitest'
import { buildApp } from '../src/app.js'
import { openKeyRing } from '../src/keys/key-ring.js'
import { openTenantState } from '../src/state/tenant-state.js'
import { buildTestTenant, ISSUER, secrets } from './helpers/test-tenant.js'

// request.log is made only when something is written through it (@m2m/auth's
// deferredChildLoggerFactory): at warn, a token exchange makes none.

function capture(level: string) {
  const { destination, lines } = captureLogLines()
  const logger = createServiceLogger({ level, destination })
  const child = vi.spyOn(logger, 'child')
  return { logger, lines, child }
}

it('keeps the token endpoint from making a child logger at warn', async () => {
  const { logger, lines, child } = capture('warn')
  const tenant = await buildTestTenant()
  const { state } = await openTenantState(tenant, [], undefined, [])
  const app = await buildApp({
    issuer: ISSUER,
    state,
    keys: await openKeyRing(undefined),
    logger,
    rateLimit: { perSecond: 1000, burst: 1000 },
  })
  await app.ready()
  child.mockClear() // Fastify makes one child of its own at start-up
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'client_credentials',
      client_id: 'limited',
      client_secret: secrets.limited,
      audience: 'urn:worldmappers',
    },
  })
  expect(res.statusCode).toBe(200)
  expect(child).not.toHaveBeenCalled()
  expect(lines).toEqual([])
  await app.close()
})

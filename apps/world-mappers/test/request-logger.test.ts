import { createServiceLogger } from '@m2m/auth'
import { captureLogLines } from '@m2m/test-kit'
import { expect, it, vi } from 'vitest'
import { buildApp } from '../src/app.js'
import { ISSUER, startTenant } from './helpers/tenant.js'

// At warn, a request that logs nothing must not pay for a child logger
// (pino's wildcard redaction over its bindings costs microseconds each).
it('makes no per-request child logger at warn for an authorized request', async () => {
  const tenant = await startTenant()
  const { destination, lines } = captureLogLines()
  const logger = createServiceLogger({ level: 'warn', destination })
  const app = await buildApp({
    issuer: ISSUER,
    audience: 'urn:worldmappers',
    // /api/me needs no places: an index that never loads is enough.
    gazetteer: new Promise(() => {}),
    depot: 'North Pole Depot',
    verifier: tenant.verifier,
    logger,
  })
  try {
    await app.ready()
    const child = vi.spyOn(logger, 'child')
    const token = await tenant.token('GIFT_DELIVERIES')
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({
        url: '/api/me',
        headers: { authorization: `Bearer ${token}` },
      })
      expect(res.statusCode).toBe(200)
    }
    expect((await app.inject('/api/me')).statusCode).toBe(401)
    expect(child).not.toHaveBeenCalled()
    expect(lines).toEqual([])
  } finally {
    await app.close()
    await tenant.close()
  }
})

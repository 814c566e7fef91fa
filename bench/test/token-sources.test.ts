import { createTokenProvider } from '@m2m/auth/token'
import { createVerifier } from '@m2m/auth/verify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BENCH_AUDIENCE, type BenchTenant, CLIENTS, secretOf } from '../src/runner/bench-tenant.js'
import { createNaiveTokenSource } from '../src/services/naive-token-source.js'
import { startInProcessTenant } from './helpers/in-process-tenant.js'

let tenant: BenchTenant
beforeAll(async () => {
  tenant = await startInProcessTenant()
})
afterAll(async () => {
  await tenant.stop()
})

const exchangesOf = async (clientId: string) => {
  const counts = (await tenant.exchanges())[clientId]
  return (counts?.succeeded ?? 0) + (counts?.failed ?? 0)
}

describe('what scenarios 3 and 6 count at the tenant', () => {
  it('the naive source makes one exchange per call, each token valid', async () => {
    await tenant.resetExchanges()
    const naive = createNaiveTokenSource({
      issuer: tenant.issuer,
      clientId: CLIENTS.naive,
      clientSecret: secretOf(CLIENTS.naive),
      audience: BENCH_AUDIENCE,
    })
    const verifier = createVerifier({ issuer: tenant.issuer, audience: BENCH_AUDIENCE })
    try {
      const tokens = await Promise.all(Array.from({ length: 20 }, () => naive.getToken()))
      await verifier.verify(tokens[0] as string)
      expect(await exchangesOf(CLIENTS.naive)).toBe(20)
      expect(naive.metrics.exchanges).toBe(20)
    } finally {
      await naive.close()
      await verifier.close()
    }
  })

  it('our provider makes one exchange for 1,000 concurrent callers on a cold cache', async () => {
    await tenant.resetExchanges()
    const provider = createTokenProvider({
      issuer: tenant.issuer,
      clientId: CLIENTS.provider,
      clientSecret: secretOf(CLIENTS.provider),
      audience: BENCH_AUDIENCE,
    })
    try {
      const tokens = await Promise.all(Array.from({ length: 1_000 }, () => provider.getToken()))
      expect(new Set(tokens).size).toBe(1)
      expect(await exchangesOf(CLIENTS.provider)).toBe(1)
    } finally {
      await provider.close()
    }
  })
})

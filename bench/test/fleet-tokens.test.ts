import { createVerifier } from '@m2m/auth/verify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFleetSigner, deviceId } from '../src/fleet/fleet-tokens.js'
import { BENCH_AUDIENCE, type BenchTenant } from '../src/runner/bench-tenant.js'
import { startInProcessTenant } from './helpers/in-process-tenant.js'

let tenant: BenchTenant
beforeAll(async () => {
  tenant = await startInProcessTenant()
})
afterAll(async () => {
  await tenant.stop()
})

const decode = (token: string, part: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[part] as string, 'base64url').toString('utf8'))

describe('fleet tokens: the fast path signs in the tenant form', () => {
  it('device tokens verify against the tenant JWKS, one client each, same header and claim order', async () => {
    const signer = await createFleetSigner(tenant)
    const iat = Math.floor(Date.now() / 1000)
    const device = signer.signDevice(deviceId(42), iat)
    const verifier = createVerifier({ issuer: tenant.issuer, audience: BENCH_AUDIENCE })
    try {
      const verified = await verifier.verify(device)
      expect(verified.clientId).toBe('fleet-device-00042')
      expect(verified.claims.sub).toBe('fleet-device-00042@clients')
      expect(decode(device, 0)).toEqual(decode(signer.issued, 0))
      expect(Object.keys(decode(device, 1))).toEqual(Object.keys(decode(signer.issued, 1)))
      expect(decode(device, 1).exp - decode(device, 1).iat).toBe(86_400)
    } finally {
      await verifier.close()
    }
  })

  it('refuses to sign when re-signing the tenant token does not give it back byte for byte', async () => {
    const other = await startInProcessTenant()
    try {
      // Same kid, another private key: the form check must catch it.
      const impostor: BenchTenant = {
        ...tenant,
        currentSigningKey: async () => ({
          kid: (await tenant.currentSigningKey()).kid,
          privateKeyPem: (await other.currentSigningKey()).privateKeyPem,
        }),
      }
      await expect(createFleetSigner(impostor)).rejects.toThrow('byte for byte')
    } finally {
      await other.stop()
    }
  })
})

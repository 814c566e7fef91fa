import { createHash, createPublicKey, type JsonWebKey, X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openKeyRing } from '../src/keys/key-ring.js'
import { adminAuthorization, buildTestServer } from './helpers/test-server.js'

/**
 * Auth0 publishes each signing key with a self-signed X.509 certificate: `cert`
 * (PEM) in GET /api/v2/keys/signing(/:kid), and `x5c` (the DER certificate) and
 * `x5t` (its SHA-1) in the JWKS ("Signing Keys" and "JSON Web Key Set
 * Properties" in Auth0's docs). Checked with node:crypto's X509Certificate,
 * a parser that is not ours.
 */

let server: Awaited<ReturnType<typeof buildTestServer>>
let auth: { authorization: string }
beforeAll(async () => {
  server = await buildTestServer()
  auth = await adminAuthorization(server.app)
})
afterAll(async () => {
  await server.app.close()
})

describe('signing key certificates', () => {
  it('publishes x5c and x5t in the JWKS, for the very key of each entry', async () => {
    const { keys } = (await server.app.inject('/.well-known/jwks.json')).json()
    expect(keys.length).toBeGreaterThanOrEqual(2)
    for (const jwk of keys) {
      expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
      expect(jwk.x5c).toHaveLength(1)
      const der = Buffer.from(jwk.x5c[0], 'base64')
      const cert = new X509Certificate(der)
      const fromJwk = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
      expect(cert.publicKey.equals(fromJwk)).toBe(true)
      expect(cert.verify(cert.publicKey)).toBe(true) // self-signed
      expect(cert.subject).toBe(cert.issuer)
      expect(jwk.x5t).toBe(createHash('sha1').update(der).digest('base64url'))
      expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 5 * 365 * 864e5)
    }
  })

  it('returns the certificate PEM, fingerprint and thumbprint in the records, and one by kid', async () => {
    const list = (await server.app.inject({ url: '/api/v2/keys/signing', headers: auth })).json()
    const current = list.find((k: { current: boolean }) => k.current)
    const cert = new X509Certificate(current.cert)
    expect(current.cert).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(current.thumbprint).toBe(cert.fingerprint.replaceAll(':', '').toLowerCase())
    expect(current.fingerprint).toBe(cert.fingerprint)

    const one = await server.app.inject({
      url: `/api/v2/keys/signing/${current.kid}`,
      headers: auth,
    })
    expect(one.statusCode).toBe(200)
    expect(one.json()).toEqual(current)
    const missing = await server.app.inject({ url: '/api/v2/keys/signing/nokid', headers: auth })
    expect(missing.statusCode).toBe(404)
    const anonymous = await server.app.inject({ url: `/api/v2/keys/signing/${current.kid}` })
    expect(anonymous.statusCode).toBe(401)
  })

  it("names the issuer's host as CN", async () => {
    const ring = await openKeyRing(undefined, { commonName: 'acme.eu.auth0.com' })
    expect(new X509Certificate(ring.get(ring.current().kid)?.cert as string).subject).toBe(
      'CN=acme.eu.auth0.com',
    )
  })

  it('gives the keys of an older key file their certificates on open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'key-certs-'))
    try {
      const first = await openKeyRing(dir)
      const kid = first.current().kid
      const path = join(dir, 'signing-keys.json')
      const file = JSON.parse(await readFile(path, 'utf8'))
      for (const key of file.keys) {
        delete key.certPem
        delete key.publicJwk.x5c
        delete key.publicJwk.x5t
      }
      await writeFile(path, JSON.stringify(file))
      const reopened = await openKeyRing(dir)
      expect(reopened.current().kid).toBe(kid)
      expect(reopened.jwks().keys.every((k) => k.x5c?.length === 1)).toBe(true)
      expect(JSON.parse(await readFile(path, 'utf8')).keys[0].certPem).toMatch(/CERTIFICATE/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

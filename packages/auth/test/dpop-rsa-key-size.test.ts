import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  createDpopKey,
  createDpopProof,
  createMemoryReplayCache,
  verifyDpopProof,
} from '../src/dpop/index.js'

const htu = 'https://api.example.com/things'
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A proof whose header carries an RSA public key of `bits` (not a real key pair: refused before its signature). */
function proofWithModulus(bits: number): string {
  const n = randomBytes(bits / 8)
  n[0] = (n[0] as number) | 0x80 // exactly `bits` long
  n[n.length - 1] = (n[n.length - 1] as number) | 1
  const header = {
    typ: 'dpop+jwt',
    alg: 'RS256',
    jwk: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' },
  }
  const payload = { jti: 'j', htm: 'GET', htu, iat: Math.floor(Date.now() / 1000) }
  return `${b64url(header)}.${b64url(payload)}.${Buffer.alloc(bits / 8).toString('base64url')}`
}

const check = (proof: string) =>
  verifyDpopProof(proof, { htm: 'GET', htu, replay: createMemoryReplayCache() })

describe('RSA proof keys of 2048 to 8192 bits', () => {
  it('refuses a key over 8192 bits before checking its signature, naming the sizes', async () => {
    await expect(check(proofWithModulus(8192 + 1024))).rejects.toThrow(
      'the jwk is not a key for RS256 (RSA of 2048 to 8192 bits)',
    )
    await expect(check(proofWithModulus(16384))).rejects.toThrow(/RSA of 2048 to 8192 bits/)
  })

  it('refuses a key under 2048 bits the same way', async () => {
    await expect(check(proofWithModulus(1024))).rejects.toThrow(
      'the jwk is not a key for RS256 (RSA of 2048 to 8192 bits)',
    )
  })

  it('takes the bounds themselves to the signature check', async () => {
    // 2048 bits: a real key pair, accepted end to end.
    const key = createDpopKey({ alg: 'RS256' })
    await expect(check(createDpopProof(key, { htm: 'GET', htu }))).resolves.toMatchObject({
      jkt: key.jkt,
    })
    // 8192 bits: the size passes; the made-up signature is what is refused.
    await expect(check(proofWithModulus(8192))).rejects.toThrow(/the signature does not verify/)
  })

  it("names the sizes when a client's own RSA key does not fit", () => {
    // Too small here: generating a key over 8192 bits would take seconds.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    expect(() => createDpopKey({ alg: 'RS256', privateKey })).toThrow(
      'dpop.privateKey is not a private key for RS256 (RSA of 2048 to 8192 bits)',
    )
  })
})

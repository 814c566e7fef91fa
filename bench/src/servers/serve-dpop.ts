/**
 * Child process: the DPoP resource server (`buildDpopVariant`) on 127.0.0.1
 * (port in the ready message); answers `{ type: 'cpu' }` with its CPU time and
 * `{ type: 'micro' }` with what one proof check costs on this core.
 */
import { createPublicKey, verify } from 'node:crypto'
import {
  createDpopKey,
  createDpopProof,
  createMemoryReplayCache,
  verifyDpopProof,
} from '@m2m/auth/dpop'
import { announce, answerCpuUsage, isMessage } from '../runner/processes.js'
import { buildDpopVariant } from './variants.js'

/** CPU µs per call of `fn` over `n` calls (after a tenth as many unmeasured). */
function cpuPerCall(n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < n / 10; i++) fn(i)
  const before = process.cpuUsage()
  for (let i = 0; i < n; i++) fn(i)
  const { user, system } = process.cpuUsage(before)
  return (user + system) / n
}

/**
 * The parts of a DPoP proof check, each on its own: the ES256 signature
 * check, the JWK import the plugin's header cache saves, and the whole
 * `verifyDpopProof` (key cached, a new jti each) as the plugin calls it.
 */
async function micro() {
  const n = 3_000
  const key = createDpopKey({ alg: 'ES256' })
  const htu = 'http://127.0.0.1/resource'
  const accessToken = 'x'.repeat(800)
  const proofs = Array.from({ length: n + n / 10 }, () =>
    createDpopProof(key, { htm: 'GET', htu, accessToken }),
  )
  const [header, payload, signature] = (proofs[0] as string).split('.') as [string, string, string]
  const signed = Buffer.from(`${header}.${payload}`)
  const signatureBytes = Buffer.from(signature, 'base64url')
  const publicKey = createPublicKey(key.privateKey)
  const jwk = { ...key.publicJwk }
  const es256VerifyMicros = cpuPerCall(n, () =>
    verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signatureBytes),
  )
  const jwkImportMicros = cpuPerCall(n, () => createPublicKey({ key: jwk, format: 'jwk' }))
  const replay = createMemoryReplayCache()
  // verifyDpopProof is async (a shared replay cache may answer later): timed over the batch.
  for (let i = 0; i < n / 10; i++) {
    await verifyDpopProof(proofs[n + i], { htm: 'GET', htu, accessToken, jkt: key.jkt, replay })
  }
  const before = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    await verifyDpopProof(proofs[i], { htm: 'GET', htu, accessToken, jkt: key.jkt, replay })
  }
  const { user, system } = process.cpuUsage(before)
  return { es256VerifyMicros, jwkImportMicros, proofCheckMicros: (user + system) / n }
}

await announce(async () => {
  const issuer = process.env.BENCH_ISSUER
  const audience = process.env.BENCH_AUDIENCE
  if (!issuer || !audience) throw new Error('BENCH_ISSUER and BENCH_AUDIENCE are required')
  const { port } = await buildDpopVariant({ issuer, audience })
  return { port }
})
answerCpuUsage()
process.on('message', async (message: unknown) => {
  if (!isMessage(message, 'micro')) return
  try {
    process.send?.({ type: 'micro', ...(await micro()) })
  } catch (error) {
    process.send?.({ type: 'error', error: (error as Error).message })
  }
})

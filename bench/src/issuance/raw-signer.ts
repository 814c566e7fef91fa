import { createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { base64urlJson, signRs256 } from '../runner/compact-jws.js'

/**
 * RS256 signing with node:crypto and nothing else, the floor under any token
 * endpoint: tokens of the tenant's form (header with `kid`, the given claims
 * with a fresh `iat` and `exp`) signed with the tenant's current key, read
 * from its key file.
 */
export async function createRawSigner(
  keyFile: string,
  claims: Record<string, unknown>,
): Promise<{ signOne(): string; lifetime: number }> {
  const ring = JSON.parse(await readFile(keyFile, 'utf8')) as {
    current: string
    keys: Array<{ kid: string; privateKeyPem: string }>
  }
  const current = ring.keys.find((k) => k.kid === ring.current)
  if (!current) throw new Error('no current key')
  const key = createPrivateKey(current.privateKeyPem)
  const header = base64urlJson({ alg: 'RS256', typ: 'JWT', kid: current.kid })
  const lifetime = Number(claims.exp) - Number(claims.iat)

  const signOne = () => {
    const iat = Math.floor(Date.now() / 1000)
    return signRs256(header, { ...claims, iat, exp: iat + lifetime }, key)
  }
  return { signOne, lifetime }
}

import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createSigner } from 'fast-jwt'
import { BENCH_AUDIENCE, type BenchTenant, CLIENTS } from '../runner/bench-tenant.js'
import { cacheDir } from '../runner/paths.js'

/** `fleet-device-00042`: one M2M client per device, as seed 003's IoT fleet. */
export const deviceId = (index: number) => `fleet-device-${String(index).padStart(5, '0')}`

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8'))
}

/**
 * Signs device tokens in the tenant's own form, fast: the tenant's current
 * private key (from its DATA_DIR), the same fast-jwt signer options as
 * apps/auth-server `createAccessTokenSigner`, and the claims of a token the
 * tenant really issued, with only `sub`, `azp`, `iat` and `exp` changed.
 *
 * RS256 (PKCS #1 v1.5) signatures are deterministic, so the form check is
 * exact: re-signing the tenant's own token must give it back byte for byte,
 * or this throws and the fleet is not used. (Issuing 10,000 tokens through
 * /oauth/token needs 10,000 registered clients, each hashed with scrypt
 * when the tenant loads and again at its first exchange: minutes.)
 */
export async function createFleetSigner(tenant: BenchTenant) {
  const issued = await tenant.token(CLIENTS.fleetDevice, BENCH_AUDIENCE)
  const [headerSegment, payloadSegment] = issued.split('.')
  const header = decodeSegment(headerSegment)
  const template = decodeSegment(payloadSegment)
  const key = await tenant.currentSigningKey()
  if (header.kid !== key.kid) {
    throw new Error(
      `the tenant signed with kid ${header.kid}, its current key on disk is ${key.kid}`,
    )
  }
  const lifetime = Number(template.exp) - Number(template.iat)
  const sign = createSigner({
    key: key.privateKeyPem,
    algorithm: 'RS256',
    kid: key.kid,
    header: { alg: 'RS256', typ: 'JWT' },
  })

  function signDevice(clientId: string, iat: number): string {
    return sign({
      ...template,
      sub: `${clientId}@clients`,
      azp: clientId,
      iat,
      exp: iat + lifetime,
    })
  }

  const again = signDevice(CLIENTS.fleetDevice, Number(template.iat))
  if (again !== issued) {
    throw new Error(
      'fleet fast path: re-signing the tenant-issued token did not give it back byte for byte; the tenant changed its token form (header or claims): update src/fleet/fleet-tokens.ts',
    )
  }
  return { issued, kid: key.kid, lifetime, signDevice }
}

/**
 * `size` distinct valid tokens, device 0's from the tenant itself, the others
 * signed by `createFleetSigner`; kept in bench/.cache while they have more
 * than an hour to live (signing 10,000 RS256 tokens takes seconds).
 */
export async function fleetTokens(tenant: BenchTenant, size: number): Promise<string[]> {
  const signer = await createFleetSigner(tenant)
  const name = createHash('sha256')
    .update(`${tenant.issuer}|${signer.kid}|${BENCH_AUDIENCE}|${size}`)
    .digest('hex')
    .slice(0, 16)
  const file = join(cacheDir, `fleet-${name}.json`)
  const nowSeconds = Math.floor(Date.now() / 1000)
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as { exp: number; tokens: string[] }
    if (cached.exp > nowSeconds + 3600 && cached.tokens.length === size) {
      return [signer.issued, ...cached.tokens.slice(1)]
    }
  } catch {
    // No cache yet, or unreadable: sign anew.
  }
  const tokens = [signer.issued]
  for (let i = 1; i < size; i++) tokens.push(signer.signDevice(deviceId(i), nowSeconds))
  await mkdir(cacheDir, { recursive: true })
  await writeFile(file, JSON.stringify({ exp: nowSeconds + signer.lifetime, tokens }))
  return tokens
}

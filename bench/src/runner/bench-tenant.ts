import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { request } from 'undici'
import { benchRoot, cacheDir, packageDir } from './paths.js'
import { pickPort, waitUntilServing } from './ports.js'
import { startChild } from './processes.js'

/** The bench tenant's clients (bench/tenant/tenant.yaml), one per contender. */
export const CLIENTS = {
  fleetDevice: 'fleet-device-00000',
  provider: 'bench-provider',
  naive: 'bench-naive',
  auth0Sdk: 'bench-auth0-sdk',
  issuance: 'bench-issuance',
  issuanceKey: 'bench-issuance-key',
  dpop: 'bench-dpop',
  giftDeliveries: 'gift-deliveries-bench',
  giftDeliveriesNaive: 'gift-deliveries-naive-bench',
  storefront: 'storefront-bench',
} as const

export const BENCH_AUDIENCE = 'urn:bench'
/** The bench API with DPoP allowed (`proof_of_possession`): bound tokens with a proof, bearer without. */
export const BENCH_DPOP_AUDIENCE = 'urn:bench-dpop'

const secretKeywords: Record<string, string> = {
  [CLIENTS.fleetDevice]: 'FLEET_DEVICE_CLIENT_SECRET',
  [CLIENTS.provider]: 'BENCH_PROVIDER_CLIENT_SECRET',
  [CLIENTS.naive]: 'BENCH_NAIVE_CLIENT_SECRET',
  [CLIENTS.auth0Sdk]: 'BENCH_AUTH0_SDK_CLIENT_SECRET',
  [CLIENTS.issuance]: 'BENCH_ISSUANCE_CLIENT_SECRET',
  [CLIENTS.issuanceKey]: 'BENCH_ISSUANCE_KEY_CLIENT_SECRET',
  [CLIENTS.dpop]: 'BENCH_DPOP_CLIENT_SECRET',
  [CLIENTS.giftDeliveries]: 'GIFT_DELIVERIES_CLIENT_SECRET',
  [CLIENTS.giftDeliveriesNaive]: 'GIFT_DELIVERIES_NAIVE_CLIENT_SECRET',
  [CLIENTS.storefront]: 'STOREFRONT_CLIENT_SECRET',
}

export const tenantFile = join(benchRoot, 'tenant', 'tenant.yaml')
const keywords = JSON.parse(
  readFileSync(join(benchRoot, 'tenant', 'keywords.json'), 'utf8'),
) as Record<string, string>

/** The LOCAL-ONLY secret of a bench tenant client. */
export function secretOf(clientId: string): string {
  const secret = keywords[secretKeywords[clientId] ?? '']
  if (!secret) throw new Error(`no bench secret for client ${clientId}`)
  return secret
}

/**
 * The RSA key pair `bench-issuance-key` signs its client assertions with
 * (private_key_jwt, scenario 4): made on first use and kept in bench/.cache,
 * never in the repository. The tenant gets the public half through the
 * `BENCH_ISSUANCE_KEY_PEM` keyword of tenant.yaml.
 */
export function issuanceClientKey(): { privateKeyPem: string; publicKeyPem: string } {
  const file = join(cacheDir, 'issuance-client-key.json')
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const key = {
      privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    }
    mkdirSync(cacheDir, { recursive: true })
    writeFileSync(file, JSON.stringify(key), { mode: 0o600 })
    return key
  }
}

/** Keyword values of tenant.yaml that are not in keywords.json (made at run time). */
export function benchTenantKeywords(): Record<string, string> {
  return { BENCH_ISSUANCE_KEY_PEM: issuanceClientKey().publicKeyPem }
}

/** Rate limits of the bench tenant: high enough that no contender is throttled. */
export const TENANT_RATE_LIMIT = 1_000_000

export interface BenchTenant {
  issuer: string
  port: number
  /** Its process id, for its CPU time. */
  pid: number | undefined
  /** Where its signing keys live (the fleet tokens are signed with the current one). */
  dataDir: string
  /** A token from `/oauth/token`, as any client gets one. */
  token(clientId: string, audience: string): Promise<string>
  /** Exchanges per client since the last reset, from the tenant's test controls. */
  exchanges(): Promise<Record<string, { succeeded: number; failed: number }>>
  resetExchanges(): Promise<void>
  currentSigningKey(): Promise<{ kid: string; privateKeyPem: string }>
  stop(): Promise<void>
}

/**
 * The real local tenant (apps/auth-server `src/main.ts`) as its own process,
 * pinned to the server core, with the bench tenant file, test controls on,
 * rate limits out of the way and logs at `warn`.
 */
export async function startBenchTenant(
  options: { nodeFlags?: string[] } = {},
): Promise<BenchTenant> {
  const port = await pickPort(Number(process.env.BENCH_TENANT_PORT ?? 4870))
  const issuer = `http://127.0.0.1:${port}/`
  const dataDir = join(cacheDir, 'tenant')
  const child = startChild({
    name: 'auth-server',
    script: join(packageDir('@m2m/auth-server'), 'src', 'main.ts'),
    role: 'server',
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER_BASE_URL: issuer,
      TENANT_FILE: tenantFile,
      DATA_DIR: dataDir,
      AUTH_SERVER_TEST_CONTROLS: '1',
      TOKEN_RATE_LIMIT_PER_SECOND: String(TENANT_RATE_LIMIT),
      TOKEN_RATE_LIMIT_BURST: String(TENANT_RATE_LIMIT),
      TOKEN_RATE_LIMIT_PER_IP: String(TENANT_RATE_LIMIT),
      LOG_LEVEL: 'warn',
      AUTH0_KEYWORD_REPLACE_MAPPINGS: JSON.stringify(benchTenantKeywords()),
    },
  })
  try {
    await waitUntilServing(
      `${issuer}.well-known/openid-configuration`,
      () => child.process.exitCode === null,
      child.output,
    )
    child.pin()
  } catch (error) {
    await child.stop()
    throw error
  }

  async function control(method: 'GET' | 'DELETE', path: string) {
    const response = await request(`${issuer}__test__/${path}`, { method })
    if (response.statusCode >= 300) {
      throw new Error(`tenant ${method} /__test__/${path}: ${response.statusCode}`)
    }
    if (response.statusCode !== 204) return response.body.json()
    await response.body.dump()
    return undefined
  }

  return {
    issuer,
    port,
    pid: child.process.pid,
    dataDir,
    async token(clientId, audience) {
      const response = await request(`${issuer}oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: secretOf(clientId),
          audience,
        }).toString(),
      })
      const body = (await response.body.json()) as { access_token?: string; error?: string }
      if (response.statusCode !== 200 || !body.access_token) {
        throw new Error(
          `tenant refused a token to ${clientId}: ${response.statusCode} ${body.error}`,
        )
      }
      return body.access_token
    },
    exchanges: async () =>
      (await control('GET', 'exchanges')) as Record<string, { succeeded: number; failed: number }>,
    resetExchanges: async () => {
      await control('DELETE', 'exchanges')
    },
    async currentSigningKey() {
      const ring = JSON.parse(await readFile(join(dataDir, 'signing-keys.json'), 'utf8')) as {
        current: string
        keys: Array<{ kid: string; privateKeyPem: string }>
      }
      const key = ring.keys.find((k) => k.kid === ring.current)
      if (!key?.privateKeyPem) throw new Error('the tenant has no current signing key on disk')
      return key
    },
    stop: () => child.stop(),
  }
}

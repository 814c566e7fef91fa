import { type AppDeps, buildApp } from '../../src/app.js'
import { openKeyRing } from '../../src/keys/key-ring.js'
import { type GeneratedSecret, openTenantState } from '../../src/state/tenant-state.js'
import type { Tenant } from '../../src/tenant/model.js'
import { buildTestTenant, ISSUER, MANAGEMENT_AUDIENCE, secrets } from './test-tenant.js'

export interface TestServerOptions {
  dataDir?: string
  /** Changes the test tenant before it is opened (a new tenant file, as it were). */
  editTenant?: (tenant: Tenant) => void
  /** Clients whose secret the "file" did not give (generated at load). */
  generated?: GeneratedSecret[]
  testControls?: boolean
  rateLimit?: { perSecond: number; burst: number }
  ipRateLimit?: { perSecond: number; burst: number }
  /** Default: out of the way (Auth0 Free's 2 per second would throttle the suites). */
  managementRateLimit?: { perSecond: number; burst: number }
  now?: () => number
  actionTimeoutMs?: number
  dpop?: AppDeps['dpop']
}

/** The real auth server app on the test tenant, for `inject()`. */
export async function buildTestServer(options: TestServerOptions = {}) {
  const tenant = await buildTestTenant()
  options.editTenant?.(tenant)
  const { state, newSecrets } = await openTenantState(
    tenant,
    options.generated ?? [],
    options.dataDir,
    // As a file without ids or secrets: each generated secret's client got a generated id too.
    (options.generated ?? []).map((g) => g.clientId),
  )
  const keys = await openKeyRing(options.dataDir)
  const app = await buildApp({
    issuer: ISSUER,
    state,
    keys,
    testControls: options.testControls ?? false,
    rateLimit: options.rateLimit ?? { perSecond: 1000, burst: 1000 },
    ipRateLimit: options.ipRateLimit ?? { perSecond: 10_000, burst: 10_000 },
    managementRateLimit: options.managementRateLimit ?? { perSecond: 10_000, burst: 10_000 },
    ...(options.now ? { now: options.now } : {}),
    actionTimeoutMs: options.actionTimeoutMs ?? 500,
    ...(options.dpop ? { dpop: options.dpop } : {}),
  })
  return { app, keys, state, newSecrets }
}

/** `POST /oauth/token` with client_secret_post, JSON, and any extra `headers`. */
export function tokenRequest(
  app: Awaited<ReturnType<typeof buildTestServer>>['app'],
  clientId: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string | string[]> = {},
) {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers,
    payload: {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secrets[clientId],
      audience: 'urn:worldmappers',
      ...params,
    },
  })
}

export function decodeJwt(token: string) {
  const [header, payload] = token.split('.')
  return {
    header: JSON.parse(Buffer.from(header as string, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload as string, 'base64url').toString()),
  }
}

/** The `authorization` header of a Management API token of the test tenant's admin. */
export async function adminAuthorization(
  app: Awaited<ReturnType<typeof buildTestServer>>['app'],
): Promise<{ authorization: string }> {
  const res = await tokenRequest(app, 'admin', { audience: MANAGEMENT_AUDIENCE })
  return { authorization: `Bearer ${res.json().access_token}` }
}

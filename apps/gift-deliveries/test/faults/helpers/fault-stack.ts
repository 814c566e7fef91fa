import { readFileSync } from 'node:fs'
import { devTenantFile } from '@m2m/auth-server'
import { freePort, readTenantKeywords } from '@m2m/test-kit'
import { type Dispatcher, request } from 'undici'
import { type ServiceProcess, startService } from '../../scale/processes.js'

/**
 * The real services as separate processes on loopback, for the fault suite:
 * the local tenant (with its test controls), world-mappers and
 * gift-deliveries, each started from source by the scale suite's
 * `startService`. Helpers here speak to them over HTTP only.
 */

export const keywords = readTenantKeywords(devTenantFile)

export type { ServiceProcess }

/**
 * The tenant with its test controls on and rate limits out of the way.
 * `issuer` defaults to its own URL; pass a proxy's URL to put it in front.
 */
export async function startTenant(options: { port?: number; issuer?: string } = {}) {
  const port = options.port ?? (await freePort())
  return startService(
    'auth-server',
    'auth-server',
    {
      ISSUER_BASE_URL: options.issuer ?? `http://127.0.0.1:${port}/`,
      AUTH_SERVER_TEST_CONTROLS: '1',
      TOKEN_RATE_LIMIT_PER_SECOND: '100000',
      TOKEN_RATE_LIMIT_BURST: '100000',
      TOKEN_RATE_LIMIT_PER_IP: '100000',
    },
    { port },
  )
}

export function startWorldMappers(issuer: string, port?: number) {
  return startService(
    'world-mappers',
    'world-mappers',
    { ISSUER_BASE_URL: issuer },
    port === undefined ? {} : { port },
  )
}

export interface GiftDeliveriesOptions {
  issuer: string
  worldMappersUrl: string
  /** PGlite files here; in memory when neither this nor `databaseUrl` is given. */
  dataDir?: string
  databaseUrl?: string
  port?: number
  env?: Record<string, string>
}

export function startGiftDeliveries(options: GiftDeliveriesOptions): Promise<ServiceProcess> {
  return startService(
    'gift-deliveries',
    'gift-deliveries',
    {
      ISSUER_BASE_URL: options.issuer,
      WORLD_MAPPERS_URL: options.worldMappersUrl,
      // The shortest grace the service allows: pending deliveries reach the worker sooner.
      PENDING_GRACE_MS: '10000',
      ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}),
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...options.env,
    },
    options.port === undefined ? {} : { port: options.port },
  )
}

/** A client-credentials token from the tenant for one of the dev tenant's clients. */
export async function clientToken(
  tenantUrl: string,
  client: 'STOREFRONT' | 'GIFT_DELIVERIES' | 'TENANT_ADMIN',
  audience: string,
): Promise<string> {
  const res = await request(`${tenantUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: keywords[`${client}_CLIENT_ID`],
      client_secret: keywords[`${client}_CLIENT_SECRET`],
      audience,
    }),
  })
  const body = (await res.body.json()) as { access_token?: string }
  if (!body.access_token) throw new Error(`the tenant gave ${client} no token (${res.statusCode})`)
  return body.access_token
}

export const storefrontToken = (tenantUrl: string) =>
  clientToken(tenantUrl, 'STOREFRONT', 'urn:gift-deliveries')

/** A fault on the tenant's `/oauth/token` or JWKS, through its test controls. */
export async function injectFault(
  tenantUrl: string,
  fault: {
    target: 'token' | 'jwks'
    status?: number
    latencyMs?: number
    drop?: boolean
    count: number
  },
) {
  const res = await request(`${tenantUrl}/__test__/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  })
  await res.body.dump()
  if (res.statusCode !== 201) throw new Error(`the tenant refused the fault (${res.statusCode})`)
}

export async function clearFaults(tenantUrl: string) {
  const res = await request(`${tenantUrl}/__test__/faults`, { method: 'DELETE' })
  await res.body.dump()
}

export interface DeliveryAnswer {
  status: number
  id?: string
  body: Record<string, unknown>
}

/** Every delivery of a test gets its own destination (coordinates), so upstream calls can be told apart. */
export function destinationOf(run: number, i: number) {
  return { lat: Number((-40 + run * 3 + i / 1_000).toFixed(6)), lng: 30 }
}

export const destinationKey = (d: { lat: number; lng: number }) => `${d.lat},${d.lng}`

/** `POST /deliveries`; a connection error is thrown (the caller decides whether to retry). */
export async function postDelivery(
  baseUrl: string,
  token: string,
  delivery: { destination: { lat: number; lng: number } | string; key?: string },
  dispatcher?: Dispatcher,
): Promise<DeliveryAnswer> {
  const res = await request(`${baseUrl}/deliveries`, {
    method: 'POST',
    ...(dispatcher ? { dispatcher } : {}),
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(delivery.key ? { 'idempotency-key': delivery.key } : {}),
    },
    body: JSON.stringify({
      recipient: { name: 'Fault Suite' },
      gift: { description: 'A gift that must not be lost' },
      destination: delivery.destination,
    }),
  })
  const body = (await res.body.json().catch(() => ({}))) as Record<string, unknown>
  return {
    status: res.statusCode,
    ...(typeof body.id === 'string' ? { id: body.id } : {}),
    body,
  }
}

export async function getJson(
  url: string,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(url, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  const body = (await res.body.json().catch(() => ({}))) as Record<string, unknown>
  return { status: res.statusCode, body }
}

/** Polls `check` until it returns a value other than `undefined`; fails with `describe()` after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; what: string; describe?: () => string | Promise<string> },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) {
      const details = options.describe ? `\n${await options.describe()}` : ''
      throw new Error(`${options.what}: not reached within ${options.timeoutMs} ms${details}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/**
 * A Prometheus sample's value from `/metrics` text: `name{labels}` exactly as
 * written (first match); or a bare `name`, the sum of its series that carry
 * every label of `having` (undefined when none does).
 */
export function metricValue(
  text: string,
  sample: string,
  having: Record<string, string> = {},
): number | undefined {
  const exact = sample.includes('{')
  let sum: number | undefined
  for (const line of text.split('\n')) {
    if (exact) {
      if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1))
      continue
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line)
    if (!match || match[1] !== sample) continue
    const labels = match[2] ?? ''
    if (Object.entries(having).every(([k, v]) => labels.includes(`${k}=${JSON.stringify(v)}`))) {
      sum = (sum ?? 0) + Number(match[3])
    }
  }
  return sum
}

export async function metricsOf(baseUrl: string): Promise<string> {
  const res = await request(`${baseUrl}/metrics`)
  return res.body.text()
}

/** Resident set size of a process in KiB, from `/proc/<pid>/status`. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  if (!match) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1])
}

import { createPrivateKey, type KeyObject } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createVerifier, type JwtVerifier } from '@m2m/auth/verify'
import { devTenantFile } from '@m2m/auth-server'
import { startLocalTenant } from '@m2m/auth-server/testing'
import { clientCredentials, readHttpAnswer, readTenantKeywords } from '@m2m/test-kit'
import type { FastifyInstance } from 'fastify'
import { type Dispatcher, request } from 'undici'
import { buildApp } from '../../../src/app.js'
import { devPlacesFile } from '../../../src/config.js'
import { loadGazetteer } from '../../../src/geo/gazetteer.js'
import type { Gazetteer } from '../../../src/geo/types.js'

const keywords = readTenantKeywords(devTenantFile)

/** A dev-tenant client's credentials as `/oauth/token` takes them. */
export function devClient(prefix: string) {
  const { clientId, clientSecret } = clientCredentials(keywords, prefix)
  return { client_id: clientId, client_secret: clientSecret }
}

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
}

/**
 * The real local tenant on loopback, with its signing keys on disk (a temp
 * directory) so tests can sign "validly signed but wrong" tokens with the very
 * key the tenant publishes. Every HTTP request it receives is recorded.
 */
export async function startTenant() {
  const dataDir = await mkdtemp(join(tmpdir(), 'm2m-attack-tenant-'))
  const tenant = await startLocalTenant({ tenant: devTenantFile, dataDir })
  const { app, issuer } = tenant
  // Hooked before its URL is handed out: no request to it goes unrecorded.
  const paths: string[] = []
  app.server.on('request', (req: { url?: string }) => paths.push(req.url ?? ''))

  async function token(prefix: string, audience: string): Promise<string> {
    const res = await request(`${issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', ...devClient(prefix), audience }),
    })
    const body = (await res.body.json()) as { access_token?: string }
    if (!body.access_token) throw new Error(`no token for ${prefix}`)
    return body.access_token
  }

  async function management(method: 'GET' | 'POST' | 'PUT', path: string) {
    const admin = await token('TENANT_ADMIN', `${issuer}api/v2/`)
    const res = await request(`${issuer}api/v2/${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}` },
    })
    return { statusCode: res.statusCode, body: (await res.body.json()) as unknown }
  }

  /** The tenant's current signing key, read from its key file. */
  async function currentKey(): Promise<{ kid: string; privateKey: KeyObject }> {
    const file = JSON.parse(await readFile(join(dataDir, 'signing-keys.json'), 'utf8')) as {
      current: string
      keys: Array<{ kid: string; privateKeyPem: string }>
    }
    const key = file.keys.find((k) => k.kid === file.current)
    if (!key) throw new Error('no current key in the key file')
    return { kid: key.kid, privateKey: createPrivateKey(key.privateKeyPem) }
  }

  return {
    app,
    issuer,
    paths,
    jwksHits: () => paths.filter((p) => p.startsWith('/.well-known/jwks.json')).length,
    token,
    management,
    currentKey,
    close: async () => {
      await tenant.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

export type AttackTenant = Awaited<ReturnType<typeof startTenant>>

/** A server an attacker controls: it serves a key and counts every request it gets. */
export async function startAttackerServer(body: unknown) {
  let hits = 0
  const server = createServer((_req, res) => {
    hits += 1
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(body))
  })
  const port = await listenOnLoopback(server)
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let places: Promise<Gazetteer> | undefined

/** Counts every call into the gazetteer: the route handlers are its only callers. */
function spyOn(gazetteer: Gazetteer) {
  let calls = 0
  const spy = new Proxy(gazetteer, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls += 1
        return Reflect.apply(value, target, args)
      }
    },
  })
  return { spy, calls: () => calls }
}

/**
 * The real world-mappers app on loopback, verifying against the tenant's JWKS
 * over HTTP with the production defaults (30 s cooldown, 10 min max age); the
 * verifier's clock is the test's, so cooldowns pass without waiting.
 */
export async function startWorldMappers(issuer: string) {
  places ??= loadGazetteer({ placesFile: devPlacesFile })
  const { spy, calls } = spyOn(await places)
  let clock = Date.now()
  const verifier: JwtVerifier = createVerifier({
    issuer,
    audience: 'urn:worldmappers',
    now: () => clock,
  })
  const app: FastifyInstance = await buildApp({
    issuer,
    audience: 'urn:worldmappers',
    gazetteer: spy,
    depot: 'North Pole Depot',
    verifier,
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  async function call(
    path: string,
    headers: Dispatcher.DispatchOptions['headers'] = {},
    options: { method?: 'GET' | 'POST'; body?: string } = {},
  ) {
    return readHttpAnswer(
      await request(`${url}${path}`, {
        method: options.method ?? 'GET',
        headers,
        ...(options.body === undefined ? {} : { body: options.body }),
      }),
    )
  }

  return {
    app,
    url,
    verifier,
    handlerCalls: calls,
    call,
    advanceClock: (ms: number) => {
      clock += ms
    },
    close: async () => {
      await app.close()
      await verifier.close()
    },
  }
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { AuthServerConfig } from '../config.js'
import { LocalTenantClientError, LocalTenantTokenError, TenantOptionError } from '../errors.js'
import { freePort } from '../free-port.js'
import { createInProcessManagement, parseJson } from '../management/in-process-management.js'
import { type AuthServer, createAuthServer } from '../server.js'
import type { Client } from '../tenant/model.js'

/** Clients an error about an unknown one names, at most. */
const NAMES_SHOWN = 20

/** Limits no test reaches: a suite measures its code, not the tenant's throttling. */
const UNLIMITED = Object.freeze({ perSecond: 100_000, burst: 100_000 })

/** The `sub` of the helper's Management API tokens (`<id>@clients`): no client of the tenant. */
export const TESTING_MANAGEMENT_CLIENT_ID = 'local-tenant-testing'

/** A tenant file as a JavaScript object: what `tenant.yaml` parses to. */
export type TenantDocumentObject = Record<string, unknown>

export interface StartLocalTenantOptions {
  /**
   * A tenant file (`tenant.yaml`, `.yml` or `.json`; `keywords.json` beside it
   * is read), or the document itself as an object, written to a temporary
   * JSON file that `close()` removes.
   */
  tenant: string | TenantDocumentObject
  /** `##KEYWORD##` values, over a `keywords.json` beside the file. Default none. */
  keywordMappings?: Record<string, unknown>
  /** For an object tenant: what its actions' `code` paths are relative to. Default `process.cwd()`. */
  baseDir?: string
  /** Keep signing keys and state here (and `client-secrets.env`). Default none: memory only. */
  dataDir?: string
  /** Default `127.0.0.1`. */
  host?: string
  /** Default (or `0`): a free port, picked before start (the issuer must name it). */
  port?: number
  /** The `/__test__/` routes (faults, exchange counts). Default off, as on Auth0. */
  testControls?: boolean
  /** Per-client `/oauth/token` limit. Default 100,000 a second: out of the way. Auth0 Free: 30/30. */
  rateLimit?: { perSecond: number; burst: number }
  /** Per-IP `/oauth/token` limit. Default 100,000 a second. */
  ipRateLimit?: { perSecond: number; burst: number }
  /** The Management API's limit. Default 100,000 a second. Auth0 Free: 2 a second, burst 10. */
  managementRateLimit?: { perSecond: number; burst: number }
  /** Simulate an Auth0 plan's monthly M2M token allowance (`free`: 1,000). Default none. */
  tenantPlan?: AuthServerConfig['tenantPlan']
  /** DPoP proofs must carry a server nonce. Default off. */
  dpopRequireNonce?: boolean
  /** A pino logger for the tenant. Default none. */
  logger?: FastifyServerOptions['loggerInstance']
}

export interface TokenForOptions {
  /** Space-separated; Auth0 (and the tenant) still put every granted scope in the token. */
  scope?: string
  /** An organization id (or name, where the tenant allows names). */
  organization?: string
}

/** The Management API, with a token for every scope it serves. */
export interface ManagementApi {
  /** A Management API access token (every scope, `read:client_keys` included). */
  token: string
  /**
   * Calls `<issuer>api/v2/<path>` with the token, in process (no socket:
   * an HTTP mock in the suite cannot intercept it). An object body is sent as JSON.
   */
  request<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>
}

export interface LocalTenant {
  /** `http://127.0.0.1:<port>/`, ending with `/` as Auth0's issuers do: the `iss` of its tokens. */
  issuer: string
  port: number
  /** `<issuer>.well-known/jwks.json`. */
  jwksUri: string
  /** `<issuer>oauth/token`. */
  tokenEndpoint: string
  /** The tenant file it loaded: the one given, or the temporary JSON file of an object tenant. */
  tenantFile: string
  /** The Fastify app, listening. */
  app: FastifyInstance
  /** A client's id, by name or id (a Deploy CLI export names clients; their ids are generated). */
  clientId(client: string): string
  /** The secret the running tenant checks for this client (by name or id): given in the file, or generated. */
  clientSecret(client: string): string
  /**
   * A client-credentials access token from the tenant's `/oauth/token`, as a
   * client would get it (logged as `seccft`, rate limits and quotas counted).
   * Throws `TESTING_ERR_TOKEN` with the tenant's answer if it is refused.
   */
  tokenFor(client: string, audience: string, options?: TokenForOptions): Promise<string>
  /**
   * The Management API with a fresh token for every scope, signed with the
   * tenant's current key. Not issued by `/oauth/token`: it needs no client in
   * the tenant, and appears in no log and no quota.
   */
  mgmt(): ManagementApi
  /** Stops the server (in-flight requests finish) and removes its temporary files. Idempotent. */
  close(): Promise<void>
}

/**
 * Starts the local tenant in this process on a free loopback port, for a
 * test suite: vitest (`beforeAll`/`afterAll`), `node:test` (`before`/`after`)
 * or any other. Nothing outlives `close()`: no data directory unless given,
 * the temporary file of an object tenant removed.
 */
export async function startLocalTenant(options: StartLocalTenantOptions): Promise<LocalTenant> {
  const host = options.host ?? '127.0.0.1'
  let tempDir: string | undefined
  const removeTemp = async () => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true })
    tempDir = undefined
  }
  try {
    let tenantFile: string
    if (typeof options.tenant === 'string') tenantFile = options.tenant
    else if (isPlainObject(options.tenant)) {
      tempDir = await mkdtemp(join(tmpdir(), 'm2m-local-tenant-'))
      tenantFile = join(tempDir, 'tenant.json')
      const document = withAbsoluteActionPaths(options.tenant, options.baseDir ?? process.cwd())
      await writeFile(tenantFile, JSON.stringify(document), { mode: 0o600 })
    } else {
      throw new TenantOptionError('tenant must be a tenant file path or a tenant document object')
    }
    return await listenOnFreePort(host, options, tenantFile, removeTemp)
  } catch (error) {
    await removeTemp()
    throw error
  }
}

/**
 * The issuer names the port and is fixed when the app is built, so a free
 * port is picked first; if another process takes it before the tenant
 * listens, it is built again on another (a few times at most).
 */
async function listenOnFreePort(
  host: string,
  options: StartLocalTenantOptions,
  tenantFile: string,
  removeTemp: () => Promise<void>,
): Promise<LocalTenant> {
  const fixedPort = options.port === 0 ? undefined : options.port
  for (let attempt = 1; ; attempt += 1) {
    const port = fixedPort ?? (await freePort(host))
    const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`
    const server = await createAuthServer(
      {
        issuer,
        tenantFile,
        dataDir: options.dataDir,
        keywordMappings: options.keywordMappings ?? {},
        testControls: options.testControls ?? false,
        rateLimit: options.rateLimit ?? UNLIMITED,
        ipRateLimit: options.ipRateLimit ?? UNLIMITED,
        managementRateLimit: options.managementRateLimit ?? UNLIMITED,
        ...(options.tenantPlan ? { tenantPlan: options.tenantPlan } : {}),
        ...(options.dpopRequireNonce ? { dpopRequireNonce: true } : {}),
      },
      options.logger,
    )
    try {
      await server.app.listen({ port, host })
    } catch (error) {
      await server.app.close()
      const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      if (!taken || fixedPort !== undefined || attempt >= 5) throw error
      continue
    }
    return localTenant(server, { issuer, port, tenantFile }, removeTemp)
  }
}

function localTenant(
  { app, state, keys }: AuthServer,
  where: { issuer: string; port: number; tenantFile: string },
  removeTemp: () => Promise<void>,
): LocalTenant {
  const { issuer } = where

  function findClient(ref: string): Client {
    const client = state.client(ref) ?? state.clientNamed(ref)
    if (!client) {
      const shown = state.clients.slice(0, NAMES_SHOWN).map((c) => JSON.stringify(c.name))
      const more = state.clients.length - shown.length
      const names = `${shown.join(', ')}${more > 0 ? `, … and ${more} more` : ''}`
      throw new LocalTenantClientError(
        `no client named or with id ${JSON.stringify(ref)} in the local tenant (clients: ${names || 'none'})`,
      )
    }
    return client
  }

  function clientSecret(ref: string): string {
    const client = findClient(ref)
    if (client.client_secret === undefined) {
      throw new LocalTenantClientError(
        `the local tenant does not hold the secret of ${JSON.stringify(client.name)} (kept from before secrets were stored)`,
      )
    }
    return client.client_secret
  }

  let closing: Promise<void> | undefined
  return {
    ...where,
    jwksUri: `${issuer}.well-known/jwks.json`,
    tokenEndpoint: `${issuer}oauth/token`,
    app,
    clientId: (ref) => findClient(ref).client_id,
    clientSecret,
    async tokenFor(ref, audience, tokenOptions = {}) {
      const client = findClient(ref)
      const response = await app.inject({
        method: 'POST',
        url: '/oauth/token',
        payload: {
          grant_type: 'client_credentials',
          client_id: client.client_id,
          client_secret: clientSecret(ref),
          audience,
          ...(tokenOptions.scope === undefined ? {} : { scope: tokenOptions.scope }),
          ...(tokenOptions.organization === undefined
            ? {}
            : { organization: tokenOptions.organization }),
        },
      })
      const body = parseJson(response.body) as {
        access_token?: string
        error?: string
        error_description?: string
      }
      if (response.statusCode === 200 && typeof body?.access_token === 'string') {
        return body.access_token
      }
      throw new LocalTenantTokenError(
        `tokenFor(${JSON.stringify(client.name)}, ${JSON.stringify(audience)}): ${response.statusCode} ${body?.error ?? ''} ${body?.error_description ?? ''}`.trimEnd(),
        { status: response.statusCode, body },
      )
    },
    mgmt() {
      const management = createInProcessManagement({
        app,
        state,
        keys,
        issuer,
        clientId: TESTING_MANAGEMENT_CLIENT_ID,
      })
      return { token: management.token(), request: management.request }
    },
    close() {
      closing ??= (async () => {
        try {
          await app.close()
        } finally {
          await removeTemp()
        }
      })()
      return closing
    },
  }
}

/** Action `code` paths of an object tenant made absolute: its file lives in a temporary directory. */
function withAbsoluteActionPaths(
  document: TenantDocumentObject,
  baseDir: string,
): TenantDocumentObject {
  if (!Array.isArray(document.actions)) return document
  return {
    ...document,
    actions: document.actions.map((action: unknown) =>
      isPlainObject(action) && typeof action.code === 'string' && !isAbsolute(action.code)
        ? { ...action, code: resolve(baseDir, action.code) }
        : action,
    ),
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

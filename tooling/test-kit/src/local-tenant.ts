import { freePort } from './ports.js'

/**
 * What these tests set of apps/auth-server's configuration. The caller passes
 * its `createAuthServer` in: test-kit imports no app.
 */
export interface LocalTenantConfig {
  issuer: string
  tenantFile: string
  dataDir: string | undefined
  keywordMappings: Record<string, unknown>
  testControls: boolean
  rateLimit: { perSecond: number; burst: number }
  ipRateLimit: { perSecond: number; burst: number }
  managementRateLimit: { perSecond: number; burst: number }
}

/** A server that is told where to listen (a Fastify instance). */
export interface ListeningApp {
  listen(options: { port: number; host: string }): Promise<unknown>
  close(): Promise<unknown>
}

export interface LocalTenantOptions<App extends ListeningApp> {
  /** apps/auth-server's `createAuthServer`. */
  createAuthServer: (config: LocalTenantConfig) => Promise<{ app: App }>
  tenantFile: string
  /** Its `/__test__/` routes (faults, exchange counts); default on. */
  testControls?: boolean
  /** Where it keeps its state and signing keys; default none (in memory). */
  dataDir?: string
}

export interface LocalTenant<App extends ListeningApp> {
  app: App
  /** `http://127.0.0.1:<port>/`: the URL it is reached at. */
  issuer: string
  port: number
  close(): Promise<void>
}

/**
 * The local tenant (apps/auth-server) on loopback, its rate limits out of the
 * way. Its issuer is the URL it is reached at and must be known before the app
 * is built, so a free port is picked first.
 */
export async function startLocalTenant<App extends ListeningApp>(
  options: LocalTenantOptions<App>,
): Promise<LocalTenant<App>> {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}/`
  const { app } = await options.createAuthServer({
    issuer,
    tenantFile: options.tenantFile,
    dataDir: options.dataDir,
    keywordMappings: {},
    testControls: options.testControls ?? true,
    rateLimit: { perSecond: 100_000, burst: 100_000 },
    ipRateLimit: { perSecond: 100_000, burst: 100_000 },
    managementRateLimit: { perSecond: 100_000, burst: 100_000 },
  })
  await app.listen({ port, host: '127.0.0.1' })
  return {
    app,
    issuer,
    port,
    close: async () => {
      await app.close()
    },
  }
}

import { freePort } from '@m2m/test-kit'
import {
  type GiftDeliveriesOptions,
  type ServiceProcess,
  startGiftDeliveries,
  startTenant,
  startWorldMappers,
} from './fault-stack.js'

/** gift-deliveries' upstreams, each its own process: the tenant and world-mappers. */
export interface Upstreams {
  tenant: ServiceProcess
  /** A test that starts it again replaces it here, so that `stop` stops the new one. */
  worldMappers: ServiceProcess
  /** What the tenant's tokens carry as `iss`. */
  issuer: string
  /** Stops both, whatever state each is in. */
  stop(): Promise<void>
}

/**
 * The upstreams, started together. The tenant's port is picked first: its
 * issuer is its own URL, unless `issuerFor` puts something in front of it
 * (given the tenant's URL) and answers that thing's URL.
 */
export async function startUpstreams(
  options: { issuerFor?: (tenantUrl: string) => Promise<string> } = {},
): Promise<Upstreams> {
  return (await planUpstreams(options.issuerFor)).start()
}

/** The upstreams and a gift-deliveries, all three started together: it needs neither to start. */
export async function startUpstreamsAndGiftDeliveries(
  options: Omit<GiftDeliveriesOptions, 'issuer' | 'worldMappersUrl'> = {},
): Promise<{ upstreams: Upstreams; gifts: ServiceProcess }> {
  const planned = await planUpstreams()
  const [upstreams, gifts] = await Promise.all([
    planned.start(),
    startGiftDeliveries({
      ...options,
      issuer: planned.issuer,
      worldMappersUrl: planned.worldMappersUrl,
    }),
  ])
  return { upstreams, gifts }
}

/** Ports picked and URLs known before anything starts. */
async function planUpstreams(issuerFor?: (tenantUrl: string) => Promise<string>) {
  const tenantPort = await freePort()
  const worldMappersPort = await freePort()
  const tenantUrl = `http://127.0.0.1:${tenantPort}`
  const issuer = issuerFor ? await issuerFor(tenantUrl) : `${tenantUrl}/`
  return {
    issuer,
    worldMappersUrl: `http://127.0.0.1:${worldMappersPort}`,
    async start(): Promise<Upstreams> {
      const [tenant, worldMappers] = await Promise.all([
        startTenant({ port: tenantPort, issuer }),
        startWorldMappers(issuer, worldMappersPort),
      ])
      const upstreams: Upstreams = {
        tenant,
        worldMappers,
        issuer,
        async stop() {
          await Promise.allSettled([upstreams.worldMappers.stop(), upstreams.tenant.stop()])
        },
      }
      return upstreams
    },
  }
}

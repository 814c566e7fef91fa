import { startTenant, startWorldMappers, type Tenant, type WorldMappers } from './system.js'

interface Closable {
  close(): Promise<unknown>
}

/** The running parts an API suite calls: `gifts` is whichever gift-deliveries it started. */
export interface Stack<Gifts extends Closable> {
  tenant: Tenant
  mappers: WorldMappers
  gifts: Gifts
  /** A Storefront token for gift-deliveries. */
  storefront: string
  /** Closes them, last started first. */
  close(): Promise<void>
}

/**
 * The local tenant and world-mappers, then the gift-deliveries that
 * `startGifts` builds against them; what started is closed again if a later
 * part fails to start.
 */
export async function startStack<Gifts extends Closable>(
  startGifts: (peers: { issuer: string; worldMappersUrl: string }) => Promise<Gifts>,
  options: { requireDpop?: boolean } = {},
): Promise<Stack<Gifts>> {
  const started: Closable[] = []
  const close = async () => {
    for (const part of started.splice(0).reverse()) await part.close()
  }
  try {
    const tenant = await startTenant()
    started.push(tenant)
    const mappers = await startWorldMappers(tenant.issuer, 0, options)
    started.push(mappers)
    const gifts = await startGifts({ issuer: tenant.issuer, worldMappersUrl: mappers.url })
    started.push(gifts)
    const storefront = await tenant.token('STOREFRONT', 'urn:gift-deliveries')
    return { tenant, mappers, gifts, storefront, close }
  } catch (error) {
    await close()
    throw error
  }
}

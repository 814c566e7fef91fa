import { createServer } from 'node:net'

/** Ports handed out by this process: never twice, so two tenants one process starts cannot share one. */
const handedOut = new Set<number>()

/**
 * A port of `host` the kernel just gave and took back (port 0): free a moment
 * ago. For a tenant whose issuer must name its port before it listens; another
 * process may still take it first, so the caller retries on `EADDRINUSE`.
 */
export async function freePort(host: string): Promise<number> {
  for (;;) {
    const port = await probe(host)
    if (!handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
}

function probe(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

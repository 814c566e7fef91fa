import { createServer } from 'node:net'

/** Ports this process has handed out: never handed out twice. */
const handedOut = new Set<number>()

/**
 * A loopback port that was free a moment ago, for a server that must be told
 * its port (a child process, Redis, PostgreSQL). The kernel picks it (port 0);
 * a port already handed out by this process is never returned again, so two
 * servers a suite starts cannot be given the same one even after the first
 * stopped. Another process may still take it before the server binds: a
 * server that can listen on port 0 and say which port it got should do that
 * instead.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probe()
    if (!handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
}

function probe(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

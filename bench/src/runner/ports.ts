import { createServer } from 'node:net'

/** `preferred` when it is free on 127.0.0.1, else a free port the system picks. */
export async function pickPort(preferred = 0): Promise<number> {
  try {
    return await probe(preferred)
  } catch {
    return probe(0)
  }
}

function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port
      server.close(() => resolve(bound))
    })
  })
}

/** Polls `url` until it answers 200 (or `alive()` turns false, or `timeoutMs` passes). */
export async function waitUntilServing(
  url: string,
  alive: () => boolean,
  describe: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!alive()) throw new Error(`${url}: the process exited before serving:\n${describe()}`)
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url}: not serving after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

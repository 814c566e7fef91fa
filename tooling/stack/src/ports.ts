import { createServer } from 'node:net'

/** Resolves to the error code when `port` cannot be bound on `host` (`EADDRINUSE`, `EACCES`), else `undefined`. */
export function probePort(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'EUNKNOWN'))
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)))
  })
}

/** One line per service whose port cannot be used, naming the port, the service and its variable. */
export async function findBusyPorts(
  host: string,
  services: { name: string; port: number; portVariable: string }[],
): Promise<string[]> {
  const problems: string[] = []
  const seen = new Map<number, string>()
  for (const service of services) {
    const other = seen.get(service.port)
    if (other) {
      problems.push(`port ${service.port} is given to both ${other} and ${service.name}`)
      continue
    }
    seen.set(service.port, service.name)
    const code = await probePort(host, service.port)
    if (code === 'EADDRINUSE') {
      problems.push(
        `port ${service.port} (${service.name}) is already in use: stop what holds it or set ${service.portVariable}`,
      )
    } else if (code) {
      problems.push(`port ${service.port} (${service.name}) cannot be used: ${code}`)
    }
  }
  return problems
}

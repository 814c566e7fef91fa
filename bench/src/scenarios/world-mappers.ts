import { join } from 'node:path'
import { packageDir, profileFlags } from '../runner/paths.js'
import { pickPort, waitUntilServing } from '../runner/ports.js'
import { type Child, startChild } from '../runner/processes.js'
import type { BenchContext } from '../runner/types.js'

/** world-mappers (its own `src/main.ts`) on the server core, verifying against the bench tenant; one per run. */
export function worldMappers(context: BenchContext): Promise<{ url: string; child: Child }> {
  return context.shared(
    'world-mappers',
    async () => {
      const port = await pickPort()
      const child = startChild({
        name: 'world-mappers',
        script: join(packageDir('@m2m/world-mappers'), 'src', 'main.ts'),
        role: 'server',
        ...(context.settings.cpuProfile ? { nodeFlags: profileFlags('world-mappers') } : {}),
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          ISSUER_BASE_URL: context.tenant.issuer,
          AUDIENCE: 'urn:worldmappers',
          LOG_LEVEL: 'warn',
        },
      })
      const url = `http://127.0.0.1:${port}`
      try {
        await waitUntilServing(`${url}/readyz`, () => child.process.exitCode === null, child.output)
        child.pin()
      } catch (error) {
        await child.stop()
        throw error
      }
      return { url, child }
    },
    async ({ child }) => child.stop(),
  )
}

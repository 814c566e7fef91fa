import { join } from 'node:path'
import { packageDir, profileFlags } from '../runner/paths.js'
import { pickPort, waitUntilServing } from '../runner/ports.js'
import { type Child, startChild } from '../runner/processes.js'
import type { BenchContext } from '../runner/types.js'

export interface WorldMappers {
  url: string
  child: Child
}

/** The scenarios that have loaded the run's shared world-mappers, in order. */
const servedScenarios: string[] = []

/**
 * The run's world-mappers, shared by the scenarios that load it (`scenarioId`
 * is recorded as one of them): started on first use, stopped at the end of
 * the run. By the time a later scenario uses it, it has answered what the
 * earlier ones sent (queries, directions): see `scenariosServedBySharedWorldMappers`.
 */
export function worldMappers(context: BenchContext, scenarioId: string): Promise<WorldMappers> {
  if (!servedScenarios.includes(scenarioId)) servedScenarios.push(scenarioId)
  return context.shared(
    'world-mappers',
    () => startWorldMappers(context, 'world-mappers'),
    async ({ child }) => child.stop(),
  )
}

/** The scenarios that have used the shared world-mappers so far. */
export function scenariosServedBySharedWorldMappers(): readonly string[] {
  return servedScenarios
}

/**
 * A world-mappers of the caller's own (its own `src/main.ts`) on the server
 * core, verifying against the bench tenant, new: the caller stops it.
 */
export async function startWorldMappers(
  context: BenchContext,
  name: string,
): Promise<WorldMappers> {
  const port = await pickPort()
  const child = startChild({
    name,
    script: join(packageDir('@m2m/world-mappers'), 'src', 'main.ts'),
    role: 'server',
    ...(context.settings.cpuProfile ? { nodeFlags: profileFlags(name) } : {}),
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
}

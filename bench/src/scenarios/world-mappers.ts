import { profileFlags } from '../runner/paths.js'
import type { BenchContext } from '../runner/types.js'
import {
  startWorldMappersProcess,
  type WorldMappersProcess,
} from '../runner/world-mappers-process.js'

export type WorldMappers = WorldMappersProcess

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
  return startWorldMappersProcess({
    name,
    issuer: context.tenant.issuer,
    audience: 'urn:worldmappers',
    ...(context.settings.cpuProfile ? { nodeFlags: profileFlags(name) } : {}),
  })
}

import type { HeapProfiler } from 'node:inspector'
import { Session } from 'node:inspector/promises'

/** Bytes allocated by site: `name url:line` of the allocating function. */
export type AllocationSites = Record<string, number>

export interface AllocationSampling {
  /** Stops the profiler; bytes by site since `startAllocationSampling` (sampled). */
  stop(): Promise<AllocationSites>
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children: ProfileNode[]
}

interface SamplingProfile {
  head: ProfileNode
  samples: Array<{ size: number; nodeId: number }>
}

/**
 * Starts V8's sampling heap profiler in this process, counting the objects the
 * garbage collector has already freed too: what a request allocates and drops is
 * the young-generation collector's work, and Node's own `--heap-prof` keeps only
 * what is still alive when the profile is written. Each sample stands for about
 * `samplingInterval` bytes.
 */
export async function startAllocationSampling(
  samplingInterval = 1024,
): Promise<AllocationSampling> {
  // Both flags are newer than @types/node's typings.
  const parameters: HeapProfiler.StartSamplingParameterType & {
    includeObjectsCollectedByMajorGC: boolean
    includeObjectsCollectedByMinorGC: boolean
  } = {
    samplingInterval,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  }
  const session = new Session()
  session.connect()
  try {
    await session.post('HeapProfiler.startSampling', parameters)
  } catch (error) {
    session.disconnect()
    throw error
  }
  return {
    async stop() {
      try {
        const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
          profile: SamplingProfile
        }
        return bySite(profile)
      } finally {
        session.disconnect()
      }
    },
  }
}

/** Bytes by site allocated while `run` runs. */
export async function sampleAllocations(
  run: () => Promise<void>,
  samplingInterval?: number,
): Promise<AllocationSites> {
  const sampling = await startAllocationSampling(samplingInterval)
  try {
    await run()
  } catch (error) {
    await sampling.stop()
    throw error
  }
  return sampling.stop()
}

function bySite(profile: SamplingProfile): AllocationSites {
  const siteOf = new Map<number, string>()
  const visit = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame
    siteOf.set(node.id, `${functionName || '(anonymous)'} ${url}:${lineNumber + 1}`)
    for (const child of node.children) visit(child)
  }
  visit(profile.head)
  const sites: AllocationSites = {}
  for (const { size, nodeId } of profile.samples) {
    const site = siteOf.get(nodeId) ?? '(unknown)'
    sites[site] = (sites[site] ?? 0) + size
  }
  return sites
}

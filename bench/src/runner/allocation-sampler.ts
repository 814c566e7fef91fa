/**
 * Preloaded into a server child (`--import`, after tsx's, by `alloc-census.ts`):
 * V8's sampling heap profiler, started and stopped over the IPC channel, keeping
 * the samples of objects the garbage collector has already freed. Node's own
 * `--heap-prof` keeps only what is still alive when the profile is written,
 * which says nothing about what a request allocates and drops.
 *
 * `{ type: 'alloc-start' }` → `{ type: 'alloc-started' }`;
 * `{ type: 'alloc-stop' }` → `{ type: 'alloc-profile', sites }`: bytes by
 * allocating function, the V8 profile's sizes summed (each sample stands for
 * about `SAMPLING_INTERVAL` bytes).
 */
import type { HeapProfiler } from 'node:inspector'
import { Session } from 'node:inspector/promises'
import type { AllocationSites } from './allocation-sites.js'

const SAMPLING_INTERVAL = 1024

// Both flags (newer than @types/node's typings): without them the profile holds only
// objects still alive.
const SAMPLING: HeapProfiler.StartSamplingParameterType & {
  includeObjectsCollectedByMajorGC: boolean
  includeObjectsCollectedByMinorGC: boolean
} = {
  samplingInterval: SAMPLING_INTERVAL,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
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

const messageType = (message: unknown) =>
  typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined

let session: Session | undefined

process.on('message', async (message: unknown) => {
  const type = messageType(message)
  if (type === 'alloc-start') {
    session ??= new Session()
    session.connect()
    await session.post('HeapProfiler.startSampling', SAMPLING)
    process.send?.({ type: 'alloc-started' })
  } else if (type === 'alloc-stop' && session) {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
      profile: SamplingProfile
    }
    session.disconnect()
    process.send?.({ type: 'alloc-profile', sites: bySite(profile) })
  }
})

/** Bytes by the function that allocated them: `name file:line`. */
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

/**
 * Preloaded into a server child (`--import`, after tsx's, by `alloc-census.ts`):
 * `@m2m/test-kit`'s allocation sampling, started and stopped over the IPC channel.
 *
 * `{ type: 'alloc-start' }` → `{ type: 'alloc-started' }`;
 * `{ type: 'alloc-stop' }` → `{ type: 'alloc-profile', sites }`: bytes by
 * allocating function;
 * `{ type: 'gc-start' }` → `{ type: 'gc-started' }`, `{ type: 'gc-stop' }` →
 * `{ type: 'gc-tally', gc }`: the garbage collections in between (`gc-tally.ts`),
 * in a window of their own: the sampling profiler lengthens every pause.
 */
// The module alone: the server measured loads nothing else of the test kit's.
import { type AllocationSampling, startAllocationSampling } from '@m2m/test-kit/allocation-sampling'
import { type GcTally, startGcTally } from './gc-tally.js'

const messageType = (message: unknown) =>
  typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined

let sampling: AllocationSampling | undefined
let gcTally: { stop(): GcTally } | undefined

process.on('message', async (message: unknown) => {
  const type = messageType(message)
  if (type === 'alloc-start') {
    sampling = await startAllocationSampling()
    process.send?.({ type: 'alloc-started' })
  } else if (type === 'alloc-stop' && sampling) {
    const sites = await sampling.stop()
    sampling = undefined
    process.send?.({ type: 'alloc-profile', sites })
  } else if (type === 'gc-start') {
    gcTally = startGcTally()
    process.send?.({ type: 'gc-started' })
  } else if (type === 'gc-stop' && gcTally) {
    const gc = gcTally.stop()
    gcTally = undefined
    process.send?.({ type: 'gc-tally', gc })
  }
})

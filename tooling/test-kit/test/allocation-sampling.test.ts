import { expect, it } from 'vitest'
import { sampleAllocations, startAllocationSampling } from '../src/allocation-sampling.js'

function allocateGarbage(count: number): number {
  let kept = 0
  for (let i = 0; i < count; i++) {
    const row = { index: i, label: `row ${i}` }
    kept += row.label.length
  }
  return kept
}

it('counts what a function allocates and drops, at its site', async () => {
  const sites = await sampleAllocations(async () => {
    allocateGarbage(200_000)
  })
  const ours = Object.entries(sites).filter(([site]) => site.startsWith('allocateGarbage '))
  expect(ours).toHaveLength(1)
  const [site, bytes] = ours[0] as [string, number]
  expect(site).toMatch(/allocation-sampling\.test\.ts:\d+$/)
  // 200,000 objects and strings, every one freed before the profile is read: several MB.
  expect(bytes).toBeGreaterThan(2_000_000)
})

it('stops the profiler when the run fails, so that the next one can start', async () => {
  await expect(
    sampleAllocations(async () => {
      throw new Error('the run failed')
    }),
  ).rejects.toThrow('the run failed')
  const sampling = await startAllocationSampling()
  expect(await sampling.stop()).toBeTypeOf('object')
})

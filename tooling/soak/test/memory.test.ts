import { describe, expect, it } from 'vitest'
import { cpuSeconds, rssKiB, sampleMemory } from '../src/memory.js'

describe('process figures from /proc', () => {
  it('reads this process: RSS in KiB, CPU seconds that grow with work', () => {
    expect(rssKiB(process.pid)).toBeGreaterThan(10_000)
    const before = cpuSeconds(process.pid)
    const until = process.cpuUsage()
    while (process.cpuUsage(until).user < 300_000) Math.sqrt(Math.random())
    expect(cpuSeconds(process.pid)).toBeGreaterThan(before)
  })

  it('samples start, peak and end RSS, and the CPU used in between', () => {
    const sampler = sampleMemory([{ service: 'self', pid: process.pid }], 10)
    const [sample] = sampler.finish()
    expect(sample).toMatchObject({ service: 'self', pid: process.pid })
    expect(sample?.peakKiB).toBeGreaterThanOrEqual(sample?.startKiB ?? Number.POSITIVE_INFINITY)
    expect(sample?.peakKiB).toBeGreaterThanOrEqual(sample?.endKiB ?? Number.POSITIVE_INFINITY)
    expect(sample?.cpuS).toBeGreaterThanOrEqual(0)
  })

  it('names the pid it cannot read', () => {
    expect(() => rssKiB(2 ** 30)).toThrow(/1073741824/)
  })
})

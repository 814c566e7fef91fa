import { describe, expect, it } from 'vitest'
import { measurePace } from '../src/runner/machine-pace.js'

describe("the server core's pace", () => {
  it('times the fixed work in a new process: CPU time of each part, in milliseconds', async () => {
    const pace = await measurePace()
    for (const ms of [pace.computeMs, pace.memoryMs]) {
      expect(Number.isFinite(ms)).toBe(true)
      expect(ms).toBeGreaterThan(0)
    }
  })

  it('runs pinned to the core it is given', async () => {
    const pace = await measurePace('0')
    expect(pace.computeMs).toBeGreaterThan(0)
  })

  it('fails when it cannot pin there', async () => {
    await expect(measurePace('4096')).rejects.toThrow()
  })
})

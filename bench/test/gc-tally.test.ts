import { constants, type PerformanceEntry } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { countGc, emptyGcTally, startGcTally } from '../src/runner/gc-tally.js'

const entry = (kind: number, duration: number) =>
  ({ entryType: 'gc', duration, detail: { kind } }) as unknown as PerformanceEntry

describe('gc tally', () => {
  it('counts scavenges and mark-compacts apart, and the other pauses by time only', () => {
    const tally = emptyGcTally()
    countGc(tally, entry(constants.NODE_PERFORMANCE_GC_MINOR, 0.5))
    countGc(tally, entry(constants.NODE_PERFORMANCE_GC_MINOR, 0.25))
    countGc(tally, entry(constants.NODE_PERFORMANCE_GC_MAJOR, 4))
    countGc(tally, entry(constants.NODE_PERFORMANCE_GC_INCREMENTAL, 1))
    countGc(tally, entry(constants.NODE_PERFORMANCE_GC_WEAKCB, 0.125))
    expect(tally).toEqual({
      scavenges: 2,
      scavengeMs: 0.75,
      markCompacts: 1,
      markCompactMs: 4,
      otherMs: 1.125,
    })
  })

  it("sees this process's scavenges while garbage is made", async () => {
    const running = startGcTally()
    // Tens of MB of short-lived objects, each kept a moment: young-generation collections.
    let kept: object[] = []
    for (let i = 0; i < 1_000_000; i++) {
      kept.push({ i, label: `row ${i}` })
      if (kept.length === 1_000) kept = []
    }
    // V8 reports its collections to the observer after they end, from the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const tally = running.stop()
    expect(tally.scavenges).toBeGreaterThan(0)
    expect(tally.scavengeMs).toBeGreaterThan(0)
  })
})

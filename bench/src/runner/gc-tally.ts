import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks'

/** Garbage collections of one process over a window: how many of each kind, and their pause time. */
export interface GcTally {
  scavenges: number
  scavengeMs: number
  markCompacts: number
  markCompactMs: number
  /** Incremental marking steps and weak callbacks: the rest of V8's pauses. */
  otherMs: number
}

export const emptyGcTally = (): GcTally => ({
  scavenges: 0,
  scavengeMs: 0,
  markCompacts: 0,
  markCompactMs: 0,
  otherMs: 0,
})

/** Adds one `gc` performance entry to `tally`. */
export function countGc(tally: GcTally, entry: PerformanceEntry): void {
  // `detail` is newer than these typings.
  const kind = (entry as { detail?: { kind?: number } }).detail?.kind
  if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
    tally.scavenges++
    tally.scavengeMs += entry.duration
  } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
    tally.markCompacts++
    tally.markCompactMs += entry.duration
  } else {
    tally.otherMs += entry.duration
  }
}

/** Counts this process's garbage collections from now until `stop()`. */
export function startGcTally(): { stop(): GcTally } {
  const tally = emptyGcTally()
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) countGc(tally, entry)
  })
  observer.observe({ entryTypes: ['gc'] })
  return {
    stop() {
      // Entries not yet delivered to the callback are taken here.
      for (const entry of observer.takeRecords()) countGc(tally, entry)
      observer.disconnect()
      return tally
    },
  }
}

import { readFileSync } from 'node:fs'

/** Resident set size of a process in KiB, from `/proc/<pid>/status` (Linux). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  if (!match) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1])
}

/** Samples processes' RSS: a start value now, then the peak until `finish()` takes the end value. */
export function sampleMemory(
  processes: ReadonlyArray<{ service: string; pid: number }>,
  everyMs = 1_000,
) {
  const samples = processes.map((p) => {
    const start = rssKiB(p.pid)
    return { ...p, startKiB: start, peakKiB: start, endKiB: start }
  })
  const take = () => {
    for (const sample of samples) {
      try {
        sample.endKiB = rssKiB(sample.pid)
        sample.peakKiB = Math.max(sample.peakKiB, sample.endKiB)
      } catch {
        // The process ended: its last value stands (the load's errors will say why).
      }
    }
  }
  const timer = setInterval(take, everyMs)
  return {
    finish() {
      clearInterval(timer)
      take()
      return samples
    },
  }
}

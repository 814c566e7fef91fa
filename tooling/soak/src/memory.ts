import { readFileSync } from 'node:fs'

/** Resident set size of a process in KiB, from `/proc/<pid>/status` (Linux). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  if (!match) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1])
}

/** CPU time (user + system) a process has used, in seconds, from `/proc/<pid>/stat`. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * Samples processes' RSS: a start value now, then the peak until `finish()`
 * takes the end value; and the CPU time each used in between. `halfKiB` is
 * the first sample at or after `halfAfterMs`: the growth from there to the end
 * tells a process that levels off from one that keeps growing.
 */
export function sampleMemory(
  processes: ReadonlyArray<{ service: string; pid: number }>,
  everyMs = 1_000,
  halfAfterMs = Number.POSITIVE_INFINITY,
) {
  const startedAt = Date.now()
  const samples = processes.map((p) => {
    const start = rssKiB(p.pid)
    return {
      ...p,
      startKiB: start,
      peakKiB: start,
      halfKiB: undefined as number | undefined,
      endKiB: start,
      cpuS: 0,
      cpuStart: cpuSeconds(p.pid),
    }
  })
  const take = () => {
    for (const sample of samples) {
      try {
        sample.endKiB = rssKiB(sample.pid)
        sample.peakKiB = Math.max(sample.peakKiB, sample.endKiB)
        if (sample.halfKiB === undefined && Date.now() - startedAt >= halfAfterMs) {
          sample.halfKiB = sample.endKiB
        }
        sample.cpuS = Math.round((cpuSeconds(sample.pid) - sample.cpuStart) * 10) / 10
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
      return samples.map(({ cpuStart: _, halfKiB, ...sample }) => ({
        ...sample,
        halfKiB: halfKiB ?? sample.endKiB,
      }))
    },
  }
}

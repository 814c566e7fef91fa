import { readFile } from 'node:fs/promises'
import { pollUntilQuiet, type Quieting } from './cpu-time.js'

/** A core's jiffies from `/proc/stat`: those spent running anything, and all of them. */
interface CoreTimes {
  busy: number
  total: number
}

/** `cpu<core>`'s line of `/proc/stat` (user nice system idle iowait irq softirq steal …), or undefined. */
export function coreTimesOf(stat: string, core: string): CoreTimes | undefined {
  const line = stat.split('\n').find((l) => l.startsWith(`cpu${core} `))
  if (!line) return undefined
  const [user, nice, system, idle, iowait, irq, softirq] = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .map(Number) as number[]
  const values = [user, nice, system, idle, iowait, irq, softirq]
  if (values.some((v) => v === undefined || !Number.isFinite(v))) return undefined
  const busy =
    (user as number) + (nice as number) + (system as number) + (irq as number) + (softirq as number)
  return { busy, total: busy + (idle as number) + (iowait as number) }
}

async function coreTimes(core: string): Promise<CoreTimes | undefined> {
  try {
    return coreTimesOf(await readFile('/proc/stat', 'utf8'), core)
  } catch {
    return undefined
  }
}

/**
 * Waits until `core` was busy under `maxShare` of one second (the processes
 * of the run that start or exit there: a tenant compiling, servers of the
 * scenario before going away), or `timeoutMs` passed. A probe of the
 * machine's pace taken then times the machine, not the run's own start-ups.
 * Not quiet at once off Linux (no `/proc/stat`) or for a core it does not list.
 */
export function untilCoreQuiet(
  core: string,
  { maxShare = 0.1, timeoutMs = 20_000 }: { maxShare?: number; timeoutMs?: number } = {},
): Promise<Quieting> {
  return pollUntilQuiet(
    async () => {
      const before = await coreTimes(core)
      if (before === undefined) return undefined
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      const after = await coreTimes(core)
      if (after === undefined) return undefined
      const total = after.total - before.total
      return total > 0 ? (after.busy - before.busy) / total : undefined
    },
    { maxShare, timeoutMs },
  )
}

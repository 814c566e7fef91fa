import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'

const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100

/** A process's CPU time so far, in µs: in user space and in the kernel on its behalf. */
export interface CpuSplit {
  user: number
  system: number
}

/**
 * CPU time a process has used so far, user and system apart, in microseconds,
 * from `/proc/<pid>/stat` (Linux; 10 ms resolution). `undefined` elsewhere.
 */
export async function processCpuSplitMicros(
  pid: number | undefined,
): Promise<CpuSplit | undefined> {
  if (pid === undefined) return undefined
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const user = (Number(fields[11]) / ticksPerSecond) * 1e6
    const system = (Number(fields[12]) / ticksPerSecond) * 1e6
    return Number.isFinite(user) && Number.isFinite(system) ? { user, system } : undefined
  } catch {
    return undefined
  }
}

/**
 * CPU time (user + system) a process has used so far, in microseconds, from
 * `/proc/<pid>/stat` (Linux; 10 ms resolution): for processes that are not
 * ours to instrument, such as the tenant's own `main.ts`. `undefined` elsewhere.
 */
export async function processCpuMicros(pid: number | undefined): Promise<number | undefined> {
  const split = await processCpuSplitMicros(pid)
  return split === undefined ? undefined : split.user + split.system
}

/** How long `untilQuiet` waited, and the share of a core the process used in its last second. */
export interface Quieting {
  waitedMs: number
  lastShare: number
  quiet: boolean
}

/**
 * Waits until the process uses under `maxShare` of a core over one second
 * (say, a server done with the collections that follow loading its data,
 * which go on after it answers it is ready), or `timeoutMs` passed.
 */
export function untilQuiet(
  pid: number | undefined,
  limits: { maxShare?: number; timeoutMs?: number } = {},
): Promise<Quieting> {
  return pollUntilQuiet(async () => {
    const before = await processCpuMicros(pid)
    if (before === undefined) return undefined
    const from = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const after = await processCpuMicros(pid)
    if (after === undefined) return undefined
    return (after - before) / ((performance.now() - from) * 1000)
  }, limits)
}

/**
 * Calls `shareOfASecond` (a busy share measured over about a second;
 * undefined when it cannot be read) until it is under `maxShare`, or
 * `timeoutMs` passed; not quiet at once when it cannot be read.
 */
export async function pollUntilQuiet(
  shareOfASecond: () => Promise<number | undefined>,
  { maxShare = 0.05, timeoutMs = 60_000 }: { maxShare?: number; timeoutMs?: number } = {},
): Promise<Quieting> {
  const started = performance.now()
  let lastShare = Number.NaN
  const ended = (quiet: boolean): Quieting => ({
    waitedMs: performance.now() - started,
    lastShare,
    quiet,
  })
  for (;;) {
    const share = await shareOfASecond()
    if (share === undefined) return ended(false)
    lastShare = share
    if (lastShare < maxShare) return ended(true)
    if (performance.now() - started >= timeoutMs) return ended(false)
  }
}

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

import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'

const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100

/**
 * CPU time (user + system) a process has used so far, in microseconds, from
 * `/proc/<pid>/stat` (Linux; 10 ms resolution): for processes that are not
 * ours to instrument, such as the tenant's own `main.ts`. `undefined` elsewhere.
 */
export async function processCpuMicros(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? (ticks / ticksPerSecond) * 1e6 : undefined
  } catch {
    return undefined
  }
}

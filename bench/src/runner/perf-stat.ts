import { spawn } from 'node:child_process'
import { once } from 'node:events'

/**
 * What the kernel does for a server, counted by `perf stat`: software events
 * and tracepoints, which a virtual machine without hardware counters still has.
 */
export const KERNEL_EVENTS = [
  'raw_syscalls:sys_enter',
  'syscalls:sys_enter_read',
  'syscalls:sys_enter_writev',
  'page-faults',
  'context-switches',
  'cpu-migrations',
] as const

/** A `perf stat` of one process, counting from its start until `stop`. */
export interface PerfStat {
  /** Each event's count; an event perf could not count is left out. */
  stop(): Promise<Map<string, number>>
}

/** Starts `perf stat -p <pid>` on `events`; throws on `stop` if perf failed. */
export function startPerfStat(pid: number, events: readonly string[] = KERNEL_EVENTS): PerfStat {
  const child = spawn('perf', ['stat', '-x', ',', '-e', events.join(','), '-p', String(pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let output = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    output += chunk
  })
  // `close`, not `exit`: only then has all of perf's output been read. Rejects if perf
  // could not be started (an `error` event); reported by `stop`, not before.
  const exited = once(child, 'close')
  exited.catch(() => {})
  return {
    async stop() {
      // perf prints its counts when interrupted, as after a command it ran.
      child.kill('SIGINT')
      const [code] = (await exited) as [number | null]
      const counts = parsePerfStatCsv(output)
      if (counts.size === 0) {
        throw new Error(`perf stat -p ${pid} counted nothing (exit ${code}): ${output.trim()}`)
      }
      return counts
    },
  }
}

/**
 * Reads `perf stat -x ,` output: one line per event, `value,unit,event,…`;
 * a value of `<not counted>` or `<not supported>` is left out.
 */
export function parsePerfStatCsv(text: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const line of text.split('\n')) {
    const [value = '', , event] = line.split(',')
    const count = Number(value)
    if (event && value !== '' && Number.isFinite(count)) counts.set(event, count)
  }
  return counts
}

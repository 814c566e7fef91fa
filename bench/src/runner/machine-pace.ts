import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

/**
 * How fast the server core runs at one moment: the CPU time a fixed piece of
 * work takes in a new process pinned there. This machine is shared, and its
 * speed moves in steps that last from seconds to minutes; a scenario's
 * figures are read with the pace before and after it (lower is faster).
 */
export interface Pace {
  /** A square-root loop (30 million steps): the core's arithmetic. */
  computeMs: number
  /** A random walk of 2 million steps over 4 MB: the caches beyond the core's own, shared with other tenants. */
  memoryMs: number
}

/** A scenario's pace before and after it, and at the start of each of its rounds. */
export interface PaceAround {
  before: Pace
  after: Pace
  /** Absent from runs before 2026-12-07, 06:30, and empty for a scenario with no rounds. */
  rounds?: Pace[]
}

// CPU time (user + system) of each part, timed inside the process; the walk's
// cycle (Sattolo's shuffle, a fixed seed) is made before its clock starts.
const PROBE = `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
let t = cpu(); let s = 0
for (let i = 0; i < 3e7; i++) s += Math.sqrt(i)
const computeMs = cpu() - t
const n = 1 << 20, next = new Int32Array(n)
for (let i = 0; i < n; i++) next[i] = i
let seed = 0x2545f491
for (let i = n - 1; i > 0; i--) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  const j = seed % i, x = next[i]; next[i] = next[j]; next[j] = x
}
t = cpu(); let at = 0
for (let i = 0; i < 2e6; i++) at = next[at]
const memoryMs = cpu() - t
process.stdout.write(JSON.stringify({ computeMs, memoryMs, s, at }))
`

const run = promisify(execFile)

/** Runs the probe once, pinned to `core` (the servers' core) when one is given. */
export async function measurePace(core?: string): Promise<Pace> {
  const [command, args] = core
    ? ['taskset', ['-c', core, process.execPath, '-e', PROBE]]
    : [process.execPath, ['-e', PROBE]]
  const { stdout } = await run(command, args)
  const { computeMs, memoryMs } = JSON.parse(stdout) as Pace
  return { computeMs: round(computeMs), memoryMs: round(memoryMs) }
}

const round = (ms: number) => Math.round(ms * 10) / 10

const ms = (value: number) => Math.round(value).toLocaleString('en-US')

/** `compute 172 → 180 ms (rounds 175, 290), memory 95 → 97 ms (rounds 96, 130)`. */
export function describePace({ before, after, rounds = [] }: PaceAround): string {
  const part = (name: string, of: (pace: Pace) => number) => {
    const byRound =
      rounds.length > 0 ? ` (rounds ${rounds.map((pace) => ms(of(pace))).join(', ')})` : ''
    return `${name} ${ms(of(before))} → ${ms(of(after))} ms${byRound}`
  }
  return `${part('compute', (pace) => pace.computeMs)}, ${part('memory', (pace) => pace.memoryMs)}`
}

/** `compute 172 ms, memory 95 ms`. */
export function describeOnePace(pace: Pace): string {
  return `compute ${ms(pace.computeMs)} ms, memory ${ms(pace.memoryMs)} ms`
}

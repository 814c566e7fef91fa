import { readFileSync } from 'node:fs'

/** The JIT code of a `--perf-basic-prof` map: start address, size and name, by start. */
export interface PerfMap {
  starts: number[]
  entries: { start: number; end: number; name: string }[]
}

/** Reads `/tmp/perf-<pid>.map` lines (`<start hex> <size hex> <name>`). */
export function parsePerfMap(text: string): PerfMap {
  const entries = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [start = '', size = '', ...name] = line.split(' ')
      const from = Number.parseInt(start, 16)
      return { start: from, end: from + Number.parseInt(size, 16), name: name.join(' ') }
    })
    .sort((a, b) => a.start - b.start)
  return { starts: entries.map((entry) => entry.start), entries }
}

/** The JIT function at `address`, or `undefined`. */
function jitName(map: PerfMap, address: number): string | undefined {
  let low = 0
  let high = map.starts.length - 1
  let found = -1
  while (low <= high) {
    const middle = (low + high) >> 1
    if ((map.starts[middle] as number) <= address) {
      found = middle
      low = middle + 1
    } else high = middle - 1
  }
  const entry = map.entries[found]
  return entry !== undefined && address < entry.end ? `JIT ${entry.name}` : undefined
}

/** Compressed names of callgrind's format: `(12) name` defines 12, `(12)` uses it. */
const NAME = /^\((\d+)\)(?: (.*))?$/
const JIT_ADDRESS = /^0x([0-9a-f]+)$/

/** One call site's totals in a dump: `calls` calls from `caller` to `callee`, `inclusive` instructions in them. */
export interface CallEdge {
  caller: string
  callee: string
  calls: number
  inclusive: number
}

/** What a callgrind dump says of one event by function: own costs and call edges. */
export interface DumpFunctions {
  /** Each function's own count of the event (not that of what it calls), by name. */
  self: Map<string, number>
  /** Each call line, in the dump's order (a caller and callee pair may recur). */
  calls: CallEdge[]
}

/**
 * Where `event` is on a dump's cost lines: after the position columns
 * (`positions:`, one by default), at its place in `events:`.
 */
function eventColumn(dump: string, event: string): number {
  const positions = /^positions:\s*(.+)$/m.exec(dump)?.[1]?.trim().split(/\s+/).length ?? 1
  const events = /^events:\s*(.+)$/m.exec(dump)?.[1]?.trim().split(/\s+/) ?? []
  const index = events.indexOf(event)
  if (index === -1) {
    throw new Error(
      `the dump counted no ${event}: its events are ${events.join(' ') || 'not named'}`,
    )
  }
  return positions + index
}

/**
 * Reads a dump's functions by `event` (`Ir`, or with `--cache-sim=yes` also
 * `I1mr`, `D1mr` …), JIT code (named by address) named from `perfMap` when given.
 */
export function readDumpFunctions(dump: string, perfMap?: PerfMap, event = 'Ir'): DumpFunctions {
  const column = eventColumn(dump, event)
  const names = new Map<string, string>()
  const nameOf = (reference: string) => {
    const match = NAME.exec(reference)
    if (!match) return reference
    if (match[2] !== undefined) names.set(match[1] as string, match[2])
    return names.get(match[1] as string) ?? reference
  }
  const jitNamed = (name: string) => {
    const address = perfMap && JIT_ADDRESS.exec(name)
    return (address && jitName(perfMap, Number.parseInt(address[1] as string, 16))) || name
  }
  const self = new Map<string, number>()
  const calls: CallEdge[] = []
  let current: string | undefined
  let callee: string | undefined
  let pendingCalls: number | undefined
  for (const line of dump.split('\n')) {
    if (line.startsWith('fn=')) {
      current = jitNamed(nameOf(line.slice(3)))
    } else if (line.startsWith('cfn=')) {
      callee = jitNamed(nameOf(line.slice(4)))
    } else if (line.startsWith('calls=')) {
      // The next cost line is the inclusive cost of that call, not the caller's own.
      pendingCalls = Number(line.slice(6).split(' ')[0])
    } else if (/^[\d+\-*]/.test(line)) {
      // Callgrind leaves out a cost line's trailing zeros.
      const cost = Number(line.split(' ')[column] ?? 0)
      if (current === undefined || !Number.isFinite(cost)) continue
      if (pendingCalls !== undefined) {
        calls.push({ caller: current, callee: callee ?? '?', calls: pendingCalls, inclusive: cost })
        pendingCalls = undefined
      } else {
        self.set(current, (self.get(current) ?? 0) + cost)
      }
    }
  }
  return { self, calls }
}

/**
 * Each function's self cost (its own count of `event`, not that of what it
 * calls) in a callgrind dump, by name. JIT-compiled code, which callgrind
 * names by address, is named from `perfMap` when given.
 */
export function selfCosts(dump: string, perfMap?: PerfMap, event = 'Ir'): Map<string, number> {
  return readDumpFunctions(dump, perfMap, event).self
}

/** The process id a callgrind dump names in its `pid:` line. */
export function dumpPid(dump: string): number | undefined {
  const match = /^pid: (\d+)$/m.exec(dump)
  return match ? Number(match[1]) : undefined
}

/** A dump file and its process's perf map (`/tmp/perf-<pid>.map`) when there is one. */
function readDumpFile(file: string): { dump: string; perfMap: PerfMap | undefined } {
  const dump = readFileSync(file, 'utf8')
  const pid = dumpPid(dump)
  try {
    const map = pid === undefined ? undefined : readFileSync(`/tmp/perf-${pid}.map`, 'utf8')
    return { dump, perfMap: map === undefined ? undefined : parsePerfMap(map) }
  } catch {
    return { dump, perfMap: undefined }
  }
}

/** `selfCosts` of a dump file, JIT code named from its process's perf map when there is one. */
export function selfCostsOfFile(file: string, event = 'Ir'): Map<string, number> {
  const { dump, perfMap } = readDumpFile(file)
  return selfCosts(dump, perfMap, event)
}

/** `readDumpFunctions` of a dump file, JIT code named as by `selfCostsOfFile`. */
export function dumpFunctionsOfFile(file: string): DumpFunctions {
  const { dump, perfMap } = readDumpFile(file)
  return readDumpFunctions(dump, perfMap)
}

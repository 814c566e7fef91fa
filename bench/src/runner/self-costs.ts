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

/**
 * Each function's self cost (its own instructions, not those of what it
 * calls) in a callgrind dump of one event (`Ir`), by name. JIT-compiled code,
 * which callgrind names by address, is named from `perfMap` when given.
 */
export function selfCosts(dump: string, perfMap?: PerfMap): Map<string, number> {
  const names = new Map<string, string>()
  const nameOf = (reference: string) => {
    const match = NAME.exec(reference)
    if (!match) return reference
    if (match[2] !== undefined) names.set(match[1] as string, match[2])
    return names.get(match[1] as string) ?? reference
  }
  const costs = new Map<string, number>()
  let current: string | undefined
  let callCost = false
  for (const line of dump.split('\n')) {
    if (line.startsWith('fn=')) {
      current = nameOf(line.slice(3))
    } else if (line.startsWith('cfn=')) {
      nameOf(line.slice(4))
    } else if (line.startsWith('calls=')) {
      // The next cost line is the inclusive cost of that call, not the caller's own.
      callCost = true
    } else if (/^[\d+\-*]/.test(line)) {
      if (callCost) {
        callCost = false
        continue
      }
      const cost = Number(line.split(' ')[1])
      if (current !== undefined && Number.isFinite(cost)) {
        costs.set(current, (costs.get(current) ?? 0) + cost)
      }
    }
  }
  if (perfMap === undefined) return costs
  const named = new Map<string, number>()
  for (const [name, cost] of costs) {
    const address = JIT_ADDRESS.exec(name)
    const key = (address && jitName(perfMap, Number.parseInt(address[1] as string, 16))) || name
    named.set(key, (named.get(key) ?? 0) + cost)
  }
  return named
}

/** The process id a callgrind dump names in its `pid:` line. */
export function dumpPid(dump: string): number | undefined {
  const match = /^pid: (\d+)$/m.exec(dump)
  return match ? Number(match[1]) : undefined
}

/** `selfCosts` of a dump file, JIT code named from its process's perf map when there is one. */
export function selfCostsOfFile(file: string): Map<string, number> {
  const dump = readFileSync(file, 'utf8')
  const pid = dumpPid(dump)
  let perfMap: PerfMap | undefined
  try {
    perfMap =
      pid === undefined ? undefined : parsePerfMap(readFileSync(`/tmp/perf-${pid}.map`, 'utf8'))
  } catch {
    perfMap = undefined
  }
  return selfCosts(dump, perfMap)
}

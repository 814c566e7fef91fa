/**
 * `pnpm --filter @m2m/bench profile-diff <base dir> <base µs/req> <other dir> <other µs/req> [top]`:
 * where a server spends more than another per request, function by function.
 *
 * Each directory holds the V8 CPU profiles one server wrote under
 * `pnpm bench --cpu-prof` (its main thread's is read). Samples before the
 * first HTTP request (start-up: imports, loading data) are dropped; each
 * function's share of the remaining busy samples is multiplied by the
 * server's CPU per request from the same run's table, so the figures are µs
 * per request and the two servers' rows can be subtracted. Printed: self time
 * by function, then inclusive time, largest differences first.
 */
import {
  busySamples,
  type CpuProfile,
  callTree,
  frameName,
  mainThreadProfile,
} from './runner/cpu-profile.js'

interface PerRequest {
  self: Map<string, number>
  inclusive: Map<string, number>
}

function perRequest(profile: CpuProfile, microsPerRequest: number): PerRequest {
  const tree = callTree(profile)
  const samples = busySamples(profile, tree)
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const id of samples) {
    const name = frameName(tree.node(id))
    self.set(name, (self.get(name) ?? 0) + 1)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = tree.parent(at)) {
      const caller = frameName(tree.node(at))
      if (seen.has(caller)) continue
      seen.add(caller)
      inclusive.set(caller, (inclusive.get(caller) ?? 0) + 1)
    }
  }
  for (const table of [self, inclusive]) {
    for (const [name, count] of table) table.set(name, (count / samples.length) * microsPerRequest)
  }
  return { self, inclusive }
}

function printDifferences(
  title: string,
  base: Map<string, number>,
  other: Map<string, number>,
  top: number,
) {
  console.log(`${title} (µs per request: difference, base, other)`)
  const names = new Set([...base.keys(), ...other.keys()])
  const rows = [...names]
    .map((name) => ({ name, a: base.get(name) ?? 0, b: other.get(name) ?? 0 }))
    .sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a))
    .slice(0, top)
  for (const { name, a, b } of rows) {
    const cells = [b - a, a, b].map((v) => v.toFixed(2).padStart(7))
    console.log(`${cells.join(' ')}  ${name}`)
  }
  console.log('')
}

const args = process.argv.slice(2).filter((arg) => arg !== '--')
const [baseDir, baseMicros, otherDir, otherMicros, top = '30'] = args
if (!baseDir || !otherDir || !Number(baseMicros) || !Number(otherMicros)) {
  console.error('usage: profile-diff <base dir> <base µs/req> <other dir> <other µs/req> [top]')
  process.exit(2)
}
const base = perRequest(await mainThreadProfile(baseDir), Number(baseMicros))
const other = perRequest(await mainThreadProfile(otherDir), Number(otherMicros))
printDifferences('self time by function', base.self, other.self, Number(top))
printDifferences('inclusive time by function', base.inclusive, other.inclusive, Number(top))

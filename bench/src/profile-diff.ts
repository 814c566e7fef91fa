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
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
}

interface PerRequest {
  self: Map<string, number>
  inclusive: Map<string, number>
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  if (!url) return functionName
  const where = url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\//, '')
    .replace(`${path.resolve(import.meta.dirname, '../..')}/`, '')
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`
}

async function mainThreadProfile(directory: string): Promise<CpuProfile> {
  const files = (await readdir(directory)).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).sort()
  const file = files[0]
  if (!file) throw new Error(`no main-thread .cpuprofile in ${directory}`)
  return JSON.parse(await readFile(path.join(directory, file), 'utf8')) as CpuProfile
}

function perRequest(profile: CpuProfile, microsPerRequest: number): PerRequest {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id)
  const nodeOf = (id: number) => byId.get(id) as ProfileNode
  const first = profile.samples.findIndex(
    (id) => nodeOf(id).callFrame.functionName === 'parserOnIncoming',
  )
  if (first === -1) throw new Error('the profile holds no HTTP request')
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let busy = 0
  for (const id of profile.samples.slice(first)) {
    const node = nodeOf(id)
    if (node.callFrame.functionName === '(idle)') continue
    busy++
    const name = frameName(node)
    self.set(name, (self.get(name) ?? 0) + 1)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const caller = frameName(nodeOf(at))
      if (seen.has(caller)) continue
      seen.add(caller)
      inclusive.set(caller, (inclusive.get(caller) ?? 0) + 1)
    }
  }
  for (const table of [self, inclusive]) {
    for (const [name, samples] of table) table.set(name, (samples / busy) * microsPerRequest)
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

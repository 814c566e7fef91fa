/**
 * What world-mappers' gazetteer leaves on the V8 heap: loads it as the app
 * does (GeoNames cities and the default PLACES_FILE), collects garbage, writes
 * a heap snapshot to a temporary directory and prints the heap's objects by
 * kind, most numerous first; then the heap once the suggest index (built on
 * the first suggestion) is there too. Each object is work for every major
 * garbage collection of the process, so the count is what to drive down (see
 * the bench README, "Where the microseconds go").
 *
 *   pnpm --filter @m2m/bench heap-census [rows]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getHeapStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { devPlacesFile, loadGazetteer } from '@m2m/world-mappers'

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

interface Kind {
  kind: string
  count: number
  bytes: number
}

const rows = Number(process.argv[2] ?? 12)
if (!Number.isInteger(rows) || rows < 1) throw new Error('rows: a positive integer')

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapMB = () => {
  gc()
  return (getHeapStatistics().used_heap_size / 1e6).toFixed(0)
}

/** The heap's objects by kind (V8's node type; objects by constructor), most numerous first. */
async function census(): Promise<Kind[]> {
  const dir = await mkdtemp(join(tmpdir(), 'm2m-heap-census-'))
  try {
    const file = writeHeapSnapshot(join(dir, 'gazetteer.heapsnapshot'))
    const snap = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot
    const fields = snap.snapshot.meta.node_fields
    const types = snap.snapshot.meta.node_types[0]
    const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
    const kinds = new Map<string, Kind>()
    for (let i = 0; i < snap.nodes.length; i += fields.length) {
      const type = types[snap.nodes[i + (typeAt as number)] as number] as string
      if (type === 'synthetic') continue
      const name = snap.strings[snap.nodes[i + (nameAt as number)] as number]
      const kind = type === 'object' ? `object ${name}` : type
      const entry = kinds.get(kind) ?? { kind, count: 0, bytes: 0 }
      entry.count++
      entry.bytes += snap.nodes[i + (sizeAt as number)] as number
      kinds.set(kind, entry)
    }
    return [...kinds.values()].sort((a, b) => b.count - a.count)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const gazetteer = await loadGazetteer({ placesFile: devPlacesFile })
const loadedMB = heapMB()
const kinds = await census()
const objects = kinds.reduce((sum, { count }) => sum + count, 0)
gazetteer.suggest('a', 1)
const count = (n: number) => n.toLocaleString('en-US')
console.log(
  `gazetteer: ${count(gazetteer.size)} places; heap ${loadedMB} MB after GC, ${count(objects)} objects; ${heapMB()} MB once the suggest index is built (node ${process.version})`,
)
for (const { kind, count: n, bytes } of kinds.slice(0, rows)) {
  console.log(`${count(n).padStart(11)}  ${(bytes / 1e6).toFixed(1).padStart(6)} MB  ${kind}`)
}

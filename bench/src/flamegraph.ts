/**
 * `pnpm --filter @m2m/bench flamegraph <a dir> <a µs/req> <b dir> <b µs/req>`:
 * flame graphs of two servers profiled by `pnpm bench --cpu-prof` (each
 * folder holds one server's V8 profiles, its main thread's is read), scaled
 * to the CPU per request the same run's table gives each: a, b, and b
 * against a, as HTML pages and PNGs in `bench/.cache/flamegraphs/` (see
 * `report/flame-graphs.ts`), and how b's extra µs split between functions a
 * never ran and those both ran, and the `profile-diff` command for the same
 * profiles. `paired` with `PAIRED_FLAMEGRAPHS=1` does the
 * same for two servers it measures itself.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { flameGraphFolder, flameGraphReport, writeFlameGraphs } from './report/flame-graphs.js'

const args = process.argv.slice(2).filter((arg) => arg !== '--')
const [aDir, aMicros, bDir, bMicros] = args
if (args.length !== 4 || !aDir || !bDir || !(Number(aMicros) > 0) || !(Number(bMicros) > 0)) {
  console.error('usage: flamegraph <a dir> <a µs/req> <b dir> <b µs/req>')
  process.exit(2)
}
const server = (dir: string, micros: string) => ({
  id: path.basename(path.resolve(dir)),
  label: path.resolve(dir),
  profileDir: path.resolve(dir),
  microsPerRequest: Number(micros),
})
const a = server(aDir, aMicros as string)
const b = server(bDir, bMicros as string)
const out = flameGraphFolder(a.id, b.id)
await mkdir(out, { recursive: true })
const written = await writeFlameGraphs(
  out,
  a,
  b,
  "V8 CPU profiles (`pnpm bench --cpu-prof`, V8's default of a sample every 1,000 µs) of the busy time from the first request on; widths are µs of CPU per request: the figure given for each server (its row in the same run's table) spread over its samples.",
)
console.log(flameGraphReport(a, b, written))

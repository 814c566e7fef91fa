/**
 * `pnpm --filter @m2m/bench profile <file.cpuprofile> [top]`: where a V8 CPU
 * profile (from `pnpm bench --cpu-prof`) spent its busy time — self time by
 * function (with file and line), then by file — as a share of the samples
 * that were not idle.
 */
import { readFile } from 'node:fs/promises'
import { frameName, framePlace, type ProfileNode } from './runner/cpu-profile.js'

const [file, top = '25'] = process.argv.slice(2).filter((arg) => arg !== '--')
if (!file) {
  console.error('usage: profile <file.cpuprofile> [top]')
  process.exit(2)
}
const profile = JSON.parse(await readFile(file, 'utf8')) as {
  nodes: Array<ProfileNode & { hitCount?: number }>
}
const byFunction = new Map<string, number>()
const byFile = new Map<string, number>()
let busy = 0
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0
  if (node.callFrame.functionName === '(idle)') continue
  busy += hits
  const key = frameName(node)
  const where = framePlace(node) ?? key
  byFunction.set(key, (byFunction.get(key) ?? 0) + hits)
  byFile.set(where, (byFile.get(where) ?? 0) + hits)
}
for (const [title, table] of [
  ['self time by function', byFunction],
  ['self time by file', byFile],
] as const) {
  console.log(`${title} (% of ${busy} busy samples)`)
  const rows = [...table.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(top))
  for (const [key, hits] of rows)
    console.log(`${((hits / busy) * 100).toFixed(1).padStart(5)}%  ${key}`)
  console.log('')
}

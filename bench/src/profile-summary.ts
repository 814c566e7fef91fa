/**
 * `pnpm --filter @m2m/bench profile <file.cpuprofile> [top]`: the functions
 * with the most self time in a V8 CPU profile (from `pnpm bench --cpu-prof`),
 * with their file and line, and the share of the samples.
 */
import { readFile } from 'node:fs/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

const [file, top = '25'] = process.argv.slice(2).filter((arg) => arg !== '--')
if (!file) {
  console.error('usage: profile <file.cpuprofile> [top]')
  process.exit(2)
}
const profile = JSON.parse(await readFile(file, 'utf8')) as { nodes: ProfileNode[] }
const selfTime = new Map<string, number>()
let total = 0
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0
  total += hits
  const { functionName, url, lineNumber } = node.callFrame
  const where = url
    ? `${url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '')}:${lineNumber + 1}`
    : ''
  const key = `${functionName || '(anonymous)'} ${where}`.trim()
  selfTime.set(key, (selfTime.get(key) ?? 0) + hits)
}
const rows = [...selfTime.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(top))
for (const [key, hits] of rows) {
  console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
}

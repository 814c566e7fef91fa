/**
 * `pnpm --filter @m2m/bench tables`: writes the figures of
 * `results/latest.json` (the last full `pnpm bench`) and `results/soak.json`
 * (the last `pnpm soak --json bench/results/soak.json`) into the README files,
 * between `<!-- bench:<block>:start -->` and `<!-- bench:<block>:end -->`.
 * Nothing in those blocks is written by hand; a test checks them against
 * latest.json.
 */
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type BenchReport,
  renderBlocks,
  replaceBlocks,
  type SoakReport,
} from './report/readme-blocks.js'
import { resultsDir } from './runner/paths.js'

const here = new URL('..', import.meta.url).pathname
const root = join(here, '..')
const files = [
  join(here, 'README.md'),
  join(root, 'README.md'),
  join(root, 'apps', 'gift-deliveries', 'README.md'),
  join(root, 'apps', 'world-mappers', 'README.md'),
]

const report = JSON.parse(await readFile(join(resultsDir, 'latest.json'), 'utf8')) as BenchReport
const soak = JSON.parse(await readFile(join(resultsDir, 'soak.json'), 'utf8')) as SoakReport
const blocks = renderBlocks(report, soak)
for (const file of files) {
  const text = await readFile(file, 'utf8')
  const updated = replaceBlocks(text, blocks)
  if (updated !== text) {
    await writeFile(file, updated)
    console.log(`updated ${file}`)
  }
}
// The formatter aligns the tables, as it does for every Markdown file of the repository.
execFileSync('pnpm', ['exec', 'biome', 'format', '--write', ...files], {
  cwd: root,
  stdio: 'inherit',
})

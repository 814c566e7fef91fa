// `node tooling/pack-check/dist/main.js [node-binary] [--keep]`: the published
// packages installed as a stranger installs them, run on the given Node
// (default: this one). .ci/run runs it with Node 24; `pnpm test` runs the
// same check on Node 20 (test/stranger.test.ts).
import { runStrangerCheck } from './stranger-check.js'

const args = process.argv.slice(2)
const keep = args.includes('--keep')
const positional = args.filter((arg) => !arg.startsWith('--'))
if (positional.length > 1 || args.some((arg) => arg.startsWith('--') && arg !== '--keep')) {
  console.error('usage: node tooling/pack-check/dist/main.js [node-binary] [--keep]')
  process.exit(2)
}
const node = positional[0] ?? process.execPath

try {
  const report = await runStrangerCheck({ node, keep, log: (line) => console.log(line) })
  const { seconds } = report
  console.log(
    `pack-check on ${report.nodeVersion}: ${report.tarballs.length} tarballs, ${report.checks.length} checks passed ` +
      `(pack ${seconds.pack} s, install ${seconds.install} s, tsc ${seconds.typecheck} s, run ${seconds.run} s; total ${seconds.total} s)`,
  )
} catch (error) {
  console.error(`pack-check failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}

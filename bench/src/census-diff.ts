/**
 * Where two servers' instructions differ, function by function: reads two
 * dumps the instruction census kept (`CENSUS_KEEP_DUMPS=<dir>`), each one
 * window, and prints the functions whose own instructions per request differ
 * most. Run the census with `CENSUS_NODE_FLAGS=--perf-basic-prof` to have
 * JIT-compiled JavaScript named (from `/tmp/perf-<pid>.map`); without it,
 * such code is an address.
 *
 *   pnpm --filter @m2m/bench census-diff [--event I1mr] <dump> <baseline dump> [requests] [rows]
 *
 * `requests`: the window's (10,000 by default); `rows`: how many (40);
 * `--event`: what to count (`Ir`, instructions, by default; a census run with
 * `CENSUS_CACHE_SIM=1` also has the simulated cache misses `I1mr`, `D1mr`,
 * `D1mw` …). Pick each server's least disturbed window (the census prints them).
 */
import { parseArgs } from 'node:util'
import { count, renderText } from './runner/format.js'
import { selfCostsOfFile } from './runner/self-costs.js'

const { values, positionals } = parseArgs({
  options: { event: { type: 'string', default: 'Ir' } },
  allowPositionals: true,
})
const event = values.event
const [file, baselineFile, requestsText = '10000', rowsText = '40'] = positionals
if (!file || !baselineFile) {
  throw new Error('usage: census-diff [--event <event>] <dump> <baseline dump> [requests] [rows]')
}
const requests = Number(requestsText)
const rows = Number(rowsText)
if (!Number.isInteger(requests) || requests < 1) throw new Error('requests: a positive integer')
if (!Number.isInteger(rows) || rows < 1) throw new Error('rows: a positive integer')

const own = selfCostsOfFile(file, event)
const baseline = selfCostsOfFile(baselineFile, event)
const total = (costs: Map<string, number>) => [...costs.values()].reduce((a, b) => a + b, 0)
const names = [...new Set([...own.keys(), ...baseline.keys()])]
const difference = (name: string) => (own.get(name) ?? 0) - (baseline.get(name) ?? 0)
names.sort((a, b) => Math.abs(difference(b)) - Math.abs(difference(a)))

const perRequest = (value: number) => count(value / requests)
const signed = (value: number) => `${value < 0 ? '−' : '+'}${count(Math.abs(value) / requests)}`
console.log(
  renderText({
    title: `Own ${event === 'Ir' ? 'instructions' : event} per request, function by function (${count(requests)} requests a window): ${file} against ${baselineFile}, in all ${perRequest(total(own))} against ${perRequest(total(baseline))}`,
    columns: ['function', 'this one', 'baseline', 'difference'],
    rows: names
      .slice(0, rows)
      .map((name) => [
        name.length > 110 ? `${name.slice(0, 109)}…` : name,
        perRequest(own.get(name) ?? 0),
        perRequest(baseline.get(name) ?? 0),
        signed(difference(name)),
      ]),
  }),
)

/**
 * Who calls a function in a census dump, and how often: reads one dump the
 * instruction census kept (`CENSUS_KEEP_DUMPS=<dir>`, one window) and prints,
 * for every function calling one whose name contains `function` (callgrind's
 * name, or the JIT name from `/tmp/perf-<pid>.map` with
 * `CENSUS_NODE_FLAGS=--perf-basic-prof`), its calls per request and the
 * instructions spent in them. `census-diff` says which function grew; this
 * says from where (a builtin such as `Builtins_KeyedLoadIC_Megamorphic` is
 * called from compiled JavaScript, into which V8 inlines what it can).
 *
 *   pnpm --filter @m2m/bench census-callers <dump> <function> [requests] [rows]
 *
 * `requests`: the window's (10,000 by default); `rows`: how many callers (25).
 */

import { callersOf } from './runner/callers.js'
import { count, renderText } from './runner/format.js'
import { dumpFunctionsOfFile } from './runner/self-costs.js'

const [file, callee, requestsText = '10000', rowsText = '25'] = process.argv.slice(2)
if (!file || !callee) {
  throw new Error('usage: census-callers <dump> <function> [requests] [rows]')
}
const requests = Number(requestsText)
const rows = Number(rowsText)
if (!Number.isInteger(requests) || requests < 1) throw new Error('requests: a positive integer')
if (!Number.isInteger(rows) || rows < 1) throw new Error('rows: a positive integer')

const callers = callersOf(dumpFunctionsOfFile(file).calls, callee)
if (callers.length === 0) throw new Error(`${file}: nothing calls a function named like ${callee}`)
const perRequest = (value: number) => (value / requests).toFixed(2)
console.log(
  renderText({
    title: `Callers of ${callee} in ${file} (${count(requests)} requests a window), by instructions in those calls`,
    columns: ['caller', 'calls per request', 'instructions per request in them'],
    rows: callers
      .slice(0, rows)
      .map((caller) => [
        caller.caller.length > 110 ? `${caller.caller.slice(0, 109)}…` : caller.caller,
        perRequest(caller.calls),
        count(caller.inclusive / requests),
      ]),
  }),
)

import { spawnSync } from 'node:child_process'
import { closeSync, openSync, readSync } from 'node:fs'

/** What one callgrind dump counted. */
export interface DumpCount {
  /** Every instruction of the window, every thread. */
  instructions: number
  /** Of them, V8's optimizing compiler's (`Compiler::CompileOptimized` and what it calls). */
  compiling: number
  /**
   * Of them, about how many collected the old generation: incremental marking's
   * steps and the mark-compact (V8's memory reducer starts them on a timer).
   */
  collectingOld: number
  /**
   * V8's runtime functions (`Runtime_*`, the calls compiled code makes out of
   * itself), each with what it calls; the compiler's own entry left out.
   */
  runtime: Map<string, number>
}

/** The optimizing compiler's entry point: on the main thread with `--single-threaded`. */
const OPTIMIZING_COMPILER = /^\s*([\d,]+) .*v8::internal::Compiler::CompileOptimized\(/
const OLD_GENERATION_GC =
  /^\s*([\d,]+) .*v8::internal::(?:IncrementalMarking::Step|Heap::MarkCompact)\(/
const RUNTIME_FUNCTION = /^\s*([\d,]+) .*v8::internal::Runtime_(\w+)\(/

/**
 * Reads `callgrind_annotate --inclusive=yes` output: the program's total, the
 * optimizing compiler's inclusive count (summed over its entries, which do not nest)
 * and each runtime function's.
 */
export function parseAnnotated(text: string): DumpCount {
  const total = /^\s*([\d,]+) \(100\.0+%\)\s+PROGRAM TOTALS/m.exec(text)
  if (!total) throw new Error('callgrind_annotate printed no program total')
  const number = (digits: string) => Number(digits.replaceAll(',', ''))
  let compiling = 0
  let collectingOld = 0
  const runtime = new Map<string, number>()
  for (const line of text.split('\n')) {
    const compiler = OPTIMIZING_COMPILER.exec(line)
    if (compiler) compiling += number(compiler[1] as string)
    const collector = OLD_GENERATION_GC.exec(line)
    if (collector) collectingOld += number(collector[1] as string)
    const called = RUNTIME_FUNCTION.exec(line)
    if (called && called[2] !== 'CompileOptimized') {
      const name = called[2] as string
      runtime.set(name, (runtime.get(name) ?? 0) + number(called[1] as string))
    }
  }
  return { instructions: number(total[1] as string), compiling, collectingOld, runtime }
}

/** Counts a dump file with `callgrind_annotate` (every function listed: threshold 100 %). */
export function countDump(file: string): DumpCount {
  const annotated = spawnSync(
    'callgrind_annotate',
    ['--inclusive=yes', '--threshold=100', '--auto=no', '--show=Ir', file],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  )
  if (annotated.status !== 0) {
    throw new Error(`callgrind_annotate ${file}: ${annotated.stderr || annotated.stdout}`)
  }
  return parseAnnotated(annotated.stdout)
}

/**
 * The events a dump counted over the whole window, by name, from its `events:`
 * and `summary:` lines: `Ir` alone, or with `--cache-sim=yes` also the
 * simulated cache's misses (`I1mr`, `D1mr`, `D1mw`, `ILmr`, `DLmr`, `DLmw`).
 */
export function parseEventSummary(text: string): Map<string, number> {
  const names = /^events:\s*(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/)
  const values = /^summary:\s*(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/)
  if (!names || !values) throw new Error('a callgrind dump without events and summary lines')
  return new Map(names.map((name, index) => [name, Number(values[index] ?? 0)]))
}

/** `parseEventSummary` of a dump file (its header: the lines before the first cost line). */
export function readEventSummary(file: string): Map<string, number> {
  // A dump runs to tens of megabytes; its header is well inside its first 4 KB.
  const head = Buffer.alloc(4096)
  const descriptor = openSync(file, 'r')
  try {
    const length = readSync(descriptor, head, 0, head.length, 0)
    return parseEventSummary(head.toString('utf8', 0, length))
  } finally {
    closeSync(descriptor)
  }
}

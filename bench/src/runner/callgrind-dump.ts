import { spawnSync } from 'node:child_process'

/** What one callgrind dump counted. */
export interface DumpCount {
  /** Every instruction of the window, every thread. */
  instructions: number
  /** Of them, V8's optimizing compiler's (`Compiler::CompileOptimized` and what it calls). */
  compiling: number
}

/** The optimizing compiler's entry point: on the main thread with `--single-threaded`. */
const OPTIMIZING_COMPILER = /^\s*([\d,]+) .*v8::internal::Compiler::CompileOptimized\(/

/**
 * Reads `callgrind_annotate --inclusive=yes` output: the program's total and the
 * optimizing compiler's inclusive count (summed over its entries, which do not nest).
 */
export function parseAnnotated(text: string): DumpCount {
  const total = /^\s*([\d,]+) \(100\.0+%\)\s+PROGRAM TOTALS/m.exec(text)
  if (!total) throw new Error('callgrind_annotate printed no program total')
  const number = (digits: string) => Number(digits.replaceAll(',', ''))
  let compiling = 0
  for (const line of text.split('\n')) {
    const match = OPTIMIZING_COMPILER.exec(line)
    if (match) compiling += number(match[1] as string)
  }
  return { instructions: number(total[1] as string), compiling }
}

/** Counts a dump file with `callgrind_annotate` (every function listed: threshold 100 %). */
export function countDump(file: string): DumpCount {
  const annotated = spawnSync(
    'callgrind_annotate',
    ['--inclusive=yes', '--threshold=100', '--auto=no', file],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  )
  if (annotated.status !== 0) {
    throw new Error(`callgrind_annotate ${file}: ${annotated.stderr || annotated.stdout}`)
  }
  return parseAnnotated(annotated.stdout)
}

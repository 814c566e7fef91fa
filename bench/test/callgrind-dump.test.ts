import { describe, expect, it } from 'vitest'
import { parseAnnotated } from '../src/runner/callgrind-dump.js'

// Trimmed from `callgrind_annotate --inclusive=yes` on a census server's first window.
const ANNOTATED = `--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
393,486,996 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                    file:function
--------------------------------------------------------------------------------
393,486,847 (100.0%)  ???:node::SpinEventLoopInternal(node::Environment*) [/usr/bin/node]
110,459,508 (28.07%)  ???:v8::internal::Runtime_CompileOptimized(int, unsigned long*, v8::internal::Isolate*) [/usr/bin/node]
110,458,446 (28.07%)  ???:v8::internal::Compiler::CompileOptimized(v8::internal::Isolate*, v8::internal::Handle<v8::internal::JSFunction>, v8::internal::ConcurrencyMode, v8::internal::CodeKind) [/usr/bin/node]
110,458,032 (28.07%)  ???:v8::internal::(anonymous namespace)::GetOrCompileOptimized(v8::internal::Isolate*) [/usr/bin/node]
  4,341,988 ( 1.10%)  ???:v8::internal::Heap::CollectGarbage(v8::internal::AllocationSpace) [/usr/bin/node]
`

describe('callgrind dump counts', () => {
  it("read the program's total and the optimizing compiler's entry point, not its callers", () => {
    expect(parseAnnotated(ANNOTATED)).toEqual({ instructions: 393_486_996, compiling: 110_458_446 })
  })

  it('count no compiling in a window without it', () => {
    const quiet = ANNOTATED.split('\n')
      .filter((line) => !line.includes('CompileOptimized'))
      .join('\n')
    expect(parseAnnotated(quiet)).toEqual({ instructions: 393_486_996, compiling: 0 })
  })

  it('refuse output without a program total', () => {
    expect(() => parseAnnotated('Ir  file:function\n')).toThrow(/no program total/)
  })
})

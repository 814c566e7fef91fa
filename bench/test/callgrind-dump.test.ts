import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  parseAnnotated,
  parseEventSummary,
  readEventSummary,
} from '../src/runner/callgrind-dump.js'

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
  9,161,374 ( 2.33%)  ???:v8::internal::IncrementalMarking::Step(double, v8::internal::StepOrigin) [/usr/bin/node]
  4,193,335 ( 1.07%)  ???:v8::internal::Heap::MarkCompact() [/usr/bin/node]
  1,592,900 ( 0.40%)  ???:v8::internal::MemoryReducer::NotifyTimer(v8::internal::MemoryReducer::Event const&) [/usr/bin/node]
  5,181,240 ( 1.32%)  ???:v8::internal::Runtime_StringEqual(int, unsigned long*, v8::internal::Isolate*) [/usr/bin/node]
  3,862,004 ( 0.98%)  ???:v8::internal::Runtime_DateCurrentTime(int, unsigned long*, v8::internal::Isolate*) [/usr/bin/node]
`

describe('callgrind dump counts', () => {
  it("read the program's total and the optimizing compiler's entry point, not its callers", () => {
    const counted = parseAnnotated(ANNOTATED)
    expect(counted.instructions).toBe(393_486_996)
    expect(counted.compiling).toBe(110_458_446)
    expect(counted.collectingOld).toBe(9_161_374 + 4_193_335)
  })

  it('count no compiling in a window without it', () => {
    const quiet = ANNOTATED.split('\n')
      .filter((line) => !line.includes('CompileOptimized'))
      .join('\n')
    expect(parseAnnotated(quiet)).toMatchObject({ instructions: 393_486_996, compiling: 0 })
  })

  it("read each runtime function's count, the optimizing compiler's entry left out", () => {
    expect([...parseAnnotated(ANNOTATED).runtime]).toEqual([
      ['StringEqual', 5_181_240],
      ['DateCurrentTime', 3_862_004],
    ])
  })

  it('refuse output without a program total', () => {
    expect(() => parseAnnotated('Ir  file:function\n')).toThrow(/no program total/)
  })
})

describe("a dump's event summary", () => {
  it('reads every event of the window by name, cache misses included', () => {
    // The header of a dump written by `callgrind_control -d` with --cache-sim=yes.
    const header = [
      '# callgrind format',
      'version: 1',
      'creator: callgrind-3.19.0',
      'pid: 4242',
      'cmd:  /usr/bin/node serve-variant.ts m2m-auth-fastify',
      'part: 2',
      'desc: I1 cache: 32768 B, 64 B, 8-way associative',
      'positions: line',
      'events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw',
      'summary: 351596180 98765432 54321098 1234567 2345678 345678 45678 56789 6789',
      '',
      'ob=(1) /usr/bin/node',
    ].join('\n')
    const events = parseEventSummary(header)
    expect(events.get('Ir')).toBe(351_596_180)
    expect(events.get('I1mr')).toBe(1_234_567)
    expect(events.get('D1mw')).toBe(345_678)
    expect(events.get('DLmw')).toBe(6_789)
    expect(events.size).toBe(9)
  })

  it('reads instructions alone when the caches were not simulated', () => {
    expect([...parseEventSummary('events: Ir\nsummary: 368882449\n')]).toEqual([
      ['Ir', 368_882_449],
    ])
  })

  it('refuses a file that is not a dump', () => {
    expect(() => parseEventSummary('totals: 12\n')).toThrow(/events and summary/)
  })

  it("reads a dump file's header without reading its megabytes of cost lines", () => {
    const directory = mkdtempSync(join(tmpdir(), 'census-dump-'))
    try {
      const file = join(directory, 'server.out')
      const costs = 'fn=(1) f\n0 12 3\n'.repeat(200_000)
      writeFileSync(file, `version: 1\nevents: Ir I1mr\nsummary: 2400000 600000\n\n${costs}`)
      expect([...readEventSummary(file)]).toEqual([
        ['Ir', 2_400_000],
        ['I1mr', 600_000],
      ])
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })
})

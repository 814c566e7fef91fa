import { describe, expect, it } from 'vitest'
import { callersOf } from '../src/runner/callers.js'
import { dumpPid, parsePerfMap, readDumpFunctions, selfCosts } from '../src/runner/self-costs.js'

// The shape of a callgrind dump (name compression, a call's inclusive cost line), trimmed.
const DUMP = `# callgrind format
version: 1
pid: 6136
positions: line
events: Ir
summary: 1300

ob=(8) /usr/bin/node
fl=(160) ???
fn=(1) node::SpinEventLoopInternal(node::Environment*)
0 100
cfn=(2) 0x000000000d1914c0
calls=10 0
0 900
+2 50

fn=(2)
0 700
cfn=(3) Builtins_StringEqual
calls=10 0
0 200

fn=(3)
0 200

fn=(4) 0x000000000e000000
0 50
`

const PERF_MAP = `d1914c0 120 JS:*verifyCached file:///verifier.ts:1:3857
d190000 40 JS:*other file:///other.ts:1:1
`

describe('self costs of a callgrind dump', () => {
  it("sums each function's own cost lines, not the inclusive cost of what it calls", () => {
    const costs = selfCosts(DUMP)
    expect(costs.get('node::SpinEventLoopInternal(node::Environment*)')).toBe(150)
    expect(costs.get('0x000000000d1914c0')).toBe(700)
    expect(costs.get('Builtins_StringEqual')).toBe(200)
    expect([...costs.values()].reduce((a, b) => a + b, 0)).toBe(1_100)
  })

  it('names JIT code from a perf map, and leaves an address outside it as it is', () => {
    const costs = selfCosts(DUMP, parsePerfMap(PERF_MAP))
    expect(costs.get('JIT JS:*verifyCached file:///verifier.ts:1:3857')).toBe(700)
    expect(costs.get('0x000000000e000000')).toBe(50)
  })

  it("reads the dump's process id", () => {
    expect(dumpPid(DUMP)).toBe(6136)
    expect(dumpPid('version: 1\n')).toBeUndefined()
  })

  it('lists each call line with its caller, callee, calls and inclusive cost, JIT code named', () => {
    const { calls } = readDumpFunctions(DUMP, parsePerfMap(PERF_MAP))
    expect(calls).toEqual([
      {
        caller: 'node::SpinEventLoopInternal(node::Environment*)',
        callee: 'JIT JS:*verifyCached file:///verifier.ts:1:3857',
        calls: 10,
        inclusive: 900,
      },
      {
        caller: 'JIT JS:*verifyCached file:///verifier.ts:1:3857',
        callee: 'Builtins_StringEqual',
        calls: 10,
        inclusive: 200,
      },
    ])
  })
})

// With --cache-sim=yes: more events, each cost line's trailing zeros left out.
const CACHE_SIM_DUMP = `# callgrind format
version: 1
positions: instr line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
summary: 1000 300 100 12 9 2 0 0 0

fn=(1) hook
0x10 0 600 200 50 7 4
cfn=(2) lookup
calls=2 0x20 0
0x10 0 400 100 50 5 5 2
+4 * 30 10
fn=(2)
0x20 0 370 90 40 5 5 2
`

describe('self costs of one event of a cache-simulated dump', () => {
  it('reads the column of the event named, after the positions, a left-out one as zero', () => {
    expect(Object.fromEntries(selfCosts(CACHE_SIM_DUMP))).toEqual({ hook: 630, lookup: 370 })
    expect(Object.fromEntries(selfCosts(CACHE_SIM_DUMP, undefined, 'I1mr'))).toEqual({
      hook: 7,
      lookup: 5,
    })
    expect(Object.fromEntries(selfCosts(CACHE_SIM_DUMP, undefined, 'D1mw'))).toEqual({
      hook: 0,
      lookup: 2,
    })
  })

  it('refuses an event the dump did not count, naming those it did', () => {
    expect(() => selfCosts(DUMP, undefined, 'I1mr')).toThrow(
      'the dump counted no I1mr: its events are Ir',
    )
  })
})

describe('callers of a function', () => {
  const edge = (caller: string, callee: string, calls: number, inclusive: number) => ({
    caller,
    callee,
    calls,
    inclusive,
  })

  it('sums every call line of a caller to the functions named like it, most instructions first', () => {
    const edges = [
      edge('a', 'Builtins_KeyedLoadIC_Megamorphic', 3, 300),
      edge('b', 'Builtins_KeyedLoadIC_Megamorphic', 14, 2_000),
      edge('a', 'Builtins_KeyedLoadICTrampoline_Megamorphic', 1, 100),
      edge('a', 'Builtins_StringEqual', 5, 5_000),
      edge('b', 'Builtins_KeyedLoadIC_Megamorphic', 1, 150),
    ]
    expect(callersOf(edges, 'KeyedLoadIC')).toEqual([
      { caller: 'b', calls: 15, inclusive: 2_150 },
      { caller: 'a', calls: 4, inclusive: 400 },
    ])
    expect(callersOf(edges, 'nothing')).toEqual([])
  })
})

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  type BenchReport,
  readBlocks,
  renderBlocks,
  replaceBlocks,
  type SoakReport,
  withoutTablePadding,
} from '../src/report/readme-blocks.js'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')

/** A full run's report with these scenarios, on a made-up machine. */
const reportOf = (scenarios: BenchReport['scenarios']): BenchReport => ({
  date: '2026-12-07T00:00:00.000Z',
  mode: 'full',
  machine: { cpu: 'cpu', cores: 2, memoryGiB: 1, node: 'v20', platform: 'linux', pinning: 'none' },
  seconds: 1,
  scenarios,
})

describe('README figures', () => {
  it("replaces only what is between a block's markers, and reads it back", () => {
    const text = 'intro\n<!-- bench:summary:start -->\n\nold\n\n<!-- bench:summary:end -->\nafter\n'
    const updated = replaceBlocks(text, { summary: '| a |', latest: 'not in this file' })
    expect(updated).toBe(
      'intro\n<!-- bench:summary:start -->\n\n| a |\n\n<!-- bench:summary:end -->\nafter\n',
    )
    expect(readBlocks(updated)).toEqual({ summary: '| a |' })
  })

  it('shows figures with no target in the summary and the scenario, never judged', () => {
    const report = reportOf([
      {
        id: '4',
        title: 'Issuance',
        seconds: 1,
        tables: [],
        notes: [],
        failures: [],
        targets: [],
        figures: [
          {
            name: 'key / secret',
            value: 1.1,
            unit: 'x',
            spread: { median: 1.1, min: 1.05, max: 1.15, rounds: 5 },
          },
        ],
        measurements: {},
      },
    ])
    const blocks = renderBlocks(report)
    expect(blocks.summary).toContain(
      '| 4. Issuance | key / secret | 1.10x (1.05x–1.15x over 5 rounds) | - | reported |',
    )
    expect(blocks.latest).toContain(
      '- **figure** key / secret: 1.10x [1.05x–1.15x over 5 rounds] (no target)',
    )
  })

  it("shows the server core's pace around a scenario that has it, and nothing for one without", () => {
    const scenario = {
      id: '1',
      title: 'Hot token',
      seconds: 1,
      tables: [],
      notes: [],
      failures: [],
      targets: [],
      measurements: {},
    }
    const report = reportOf([
      {
        ...scenario,
        pace: {
          before: { computeMs: 154.6, memoryMs: 42.4 },
          after: { computeMs: 1_210.2, memoryMs: 44.9 },
        },
      },
      { ...scenario, id: '2', title: 'Fleet' },
    ])
    const { latest = '' } = renderBlocks(report)
    expect(latest).toContain(
      "the server core's pace before and after the scenario, and at the start of each round (CPU time of fixed work in a new process pinned there; lower is faster; `runner/machine-pace.ts`): compute 155 → 1,210 ms, memory 42 → 45 ms",
    )
    expect(latest.match(/pace before and after/g)).toHaveLength(1)
  })

  it("shows the pace at each round's start when the run took it", () => {
    const pace = (computeMs: number, memoryMs: number) => ({ computeMs, memoryMs })
    const { latest = '' } = renderBlocks(
      reportOf([
        {
          id: '6',
          title: 'Deliveries',
          seconds: 1,
          tables: [],
          notes: [],
          failures: [],
          targets: [],
          measurements: {},
          pace: {
            before: pace(160, 70),
            after: pace(159, 46),
            rounds: [pace(301.4, 98), pace(290, 91), pace(158.6, 44)],
          },
        },
      ]),
    )
    expect(latest).toContain(
      ': compute 160 → 159 ms (rounds 301, 290, 159), memory 70 → 46 ms (rounds 98, 91, 44)',
    )
  })

  it('compares tables without the padding the formatter adds', () => {
    expect(withoutTablePadding('| a   |  b |\n| --- | ---: |\n| x \\| y | 1 |')).toBe(
      '| a | b |\n| --- | ---: |\n| x \\| y | 1 |',
    )
  })

  it('are those of results/latest.json and soak.json, in every README (pnpm --filter @m2m/bench tables)', () => {
    const report = JSON.parse(read('../results/latest.json')) as BenchReport
    const soak = JSON.parse(read('../results/soak.json')) as SoakReport
    expect(report.mode).toBe('full')
    const blocks = renderBlocks(report, soak)
    const summary = readBlocks(read('../../README.md')).summary ?? ''
    const latest = readBlocks(read('../README.md')).latest ?? ''
    expect(withoutTablePadding(summary)).toBe(withoutTablePadding(blocks.summary as string))
    expect(withoutTablePadding(latest)).toBe(withoutTablePadding(blocks.latest as string))
    const deliveries = readBlocks(read('../../apps/gift-deliveries/README.md'))
    expect(withoutTablePadding(deliveries.scenario6 ?? '')).toBe(
      withoutTablePadding(blocks.scenario6 as string),
    )
    expect(withoutTablePadding(deliveries.soak ?? '')).toBe(
      withoutTablePadding(blocks.soak as string),
    )
    const geocoder = readBlocks(read('../../apps/world-mappers/README.md'))
    expect(withoutTablePadding(geocoder.scenario5 ?? '')).toBe(
      withoutTablePadding(blocks.scenario5 as string),
    )
  })
})

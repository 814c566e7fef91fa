import { describe, expect, it } from 'vitest'
import { cpuPerResponseByWindow, type Tick } from '../src/runner/windows.js'

describe('CPU per response by window', () => {
  it("divides each window's CPU, from the tick before it to its last, by its responses", () => {
    // The first tick is the CPU before the load; then one tick a second.
    const ticks: Tick[] = [
      { responses: 0, cpuMicros: 1_000 },
      { responses: 100, cpuMicros: 5_000 },
      { responses: 100, cpuMicros: 8_000 },
      { responses: 200, cpuMicros: 11_000 },
      { responses: 200, cpuMicros: 14_000 },
      { responses: 50, cpuMicros: 15_000 },
    ]
    // Windows of two ticks: (8,000 − 1,000) / 200, (14,000 − 8,000) / 400; the last tick is cut short.
    expect(cpuPerResponseByWindow(ticks, 2)).toEqual([35, 15])
    expect(cpuPerResponseByWindow(ticks, 1)).toEqual([40, 30, 15, 15, 20])
  })

  it('gives NaN for a window without responses, and nothing for less than a window', () => {
    const ticks: Tick[] = [
      { responses: 0, cpuMicros: 0 },
      { responses: 0, cpuMicros: 10 },
    ]
    expect(cpuPerResponseByWindow(ticks, 1)).toEqual([Number.NaN])
    expect(cpuPerResponseByWindow(ticks, 2)).toEqual([])
  })
})

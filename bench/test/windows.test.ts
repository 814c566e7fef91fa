import { describe, expect, it } from 'vitest'
import { cpuPerResponseByWindow, type Tick } from '../src/runner/windows.js'

const tick = (responses: number, userMicros: number, systemMicros: number): Tick => ({
  responses,
  userMicros,
  systemMicros,
})

describe('CPU per response by window', () => {
  it("divides each window's CPU, from the tick before it to its last, by its responses", () => {
    // The first tick is the CPU before the load; then one tick a second.
    const ticks = [
      tick(0, 1_000, 500),
      tick(100, 4_000, 1_500),
      tick(100, 6_000, 2_500),
      tick(200, 8_000, 3_500),
      tick(200, 10_000, 4_500),
      tick(50, 11_000, 4_500),
    ]
    // Windows of two ticks: user (6,000 − 1,000) / 200 and (10,000 − 6,000) / 400; the last tick is cut short.
    expect(cpuPerResponseByWindow(ticks, 2)).toEqual([
      { user: 25, system: 10 },
      { user: 10, system: 5 },
    ])
    expect(cpuPerResponseByWindow(ticks, 1).map((w) => w.user + w.system)).toEqual([
      40, 30, 15, 15, 20,
    ])
  })

  it('gives NaN for a window without responses, and nothing for less than a window', () => {
    const ticks = [tick(0, 0, 0), tick(0, 10, 0)]
    expect(cpuPerResponseByWindow(ticks, 1)).toEqual([{ user: Number.NaN, system: Number.NaN }])
    expect(cpuPerResponseByWindow(ticks, 2)).toEqual([])
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { describeFigure, describeTarget } from '../src/runner/format.js'
import {
  noiseFloor,
  pairControl,
  pairMean,
  ratioSpread,
  roundOrder,
  roundRatios,
  spread,
} from '../src/runner/rounds.js'
import { parseSettings } from '../src/runner/settings.js'
import { checkedTwoAtOnce, roundsTarget } from '../src/runner/types.js'

describe('alternating rounds', () => {
  it('alternates the order: as given, reversed, as given', () => {
    expect([0, 1, 2].map((round) => roundOrder(['a', 'b', 'c'], round).join(''))).toEqual([
      'abc',
      'cba',
      'abc',
    ])
  })

  it('takes the limit as the mean of an A/A pair, round by round', () => {
    expect(pairMean([10, 20, 30], [12, 18])).toEqual([11, 19, 30])
    expect(pairMean([10], [Number.NaN])).toEqual([10])
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 1, max: 1e6, noNaN: true }),
            fc.double({ min: 1, max: 1e6, noNaN: true }),
          ),
          {
            minLength: 1,
          },
        ),
        (pairs) =>
          pairMean(
            pairs.map(([a]) => a),
            pairs.map(([, b]) => b),
          ).every((mean, i) => {
            const [a, b] = pairs[i] as [number, number]
            return Math.min(a, b) <= mean && mean <= Math.max(a, b)
          }),
      ),
    )
  })

  it('judges a run by its A/A pair: control, floor and limit per figure', () => {
    const first = { cpu: [10, 20, 10], rps: [100, 50, 100], p99: [1, 1, 1] }
    const second = { cpu: [11, 18, 10], rps: [90, 55, 100], p99: [9, 9, 9] }
    const { control, floor, limit } = pairControl(first, second, ['cpu', 'rps'])
    expect(control).toEqual({ median: 1, min: 0.9, max: 1.1, rounds: 3 })
    expect(floor).toBeCloseTo(0.1)
    expect(limit).toEqual({ cpu: [10.5, 19, 10], rps: [95, 52.5, 100] })
    // Without a second copy: no floor, and the first copy is the limit.
    const alone = pairControl(first, undefined, ['cpu'])
    expect(alone.floor).toBeNaN()
    expect(alone.limit).toEqual({ cpu: first.cpu })
  })

  it('medians with their range, ignoring rounds without a figure', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, rounds: 3 })
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, rounds: 4 })
    expect(spread([1, Number.NaN, 3])).toEqual({ median: 2, min: 1, max: 3, rounds: 2 })
    expect(spread([]).rounds).toBe(0)
  })

  it('the median lies within the range, whatever the rounds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { minLength: 1 }),
        (values) => {
          const s = spread(values)
          return s.min <= s.median && s.median <= s.max && s.rounds === values.length
        },
      ),
    )
  })

  it('ratios per round, and the A/A floor is the typical difference two copies showed in a round', () => {
    const control = roundRatios([10, 10.4, 9.8, 13], [10, 10, 10, 10])
    expect(ratioSpread([10, 10.4, 9.8, 13], [10, 10, 10, 10]).median).toBeCloseTo(1.02)
    // Rounds 2% apart, 4% apart, 0% and one disturbed round 30% apart: typically 3%.
    expect(noiseFloor(control)).toBeCloseTo(0.03)
    expect(noiseFloor([])).toBeNaN()
  })

  it('--rounds is five by default, one in quick runs, and refuses nonsense', () => {
    expect(parseSettings([]).rounds).toBe(5)
    expect(parseSettings(['--quick']).rounds).toBe(1)
    expect(parseSettings(['--rounds', '7']).rounds).toBe(7)
    expect(() => parseSettings(['--rounds', '0'])).toThrow('--rounds')
  })
})

describe('targets judged on the median of rounds', () => {
  const rounds = (median: number) => ({ median, min: median - 0.05, max: median + 0.05, rounds: 5 })

  it('met or missed only beyond the A/A floor; within it, not distinguishable', () => {
    expect(roundsTarget('t', rounds(1.2), 1, 0.04).verdict).toBe('met')
    expect(roundsTarget('t', rounds(0.8), 1, 0.04).verdict).toBe('missed')
    const close = roundsTarget('t', rounds(1.03), 1, 0.04)
    expect(close.verdict).toBe('not distinguishable')
    expect(close.met).toBe(false)
    expect(roundsTarget('t', rounds(Number.NaN), 1, 0.04).verdict).toBe('missed')
  })

  it('a verdict the same pair measured two at once contradicts is not distinguishable', () => {
    const twoAtOnce = (median: number) => ({
      name: 'two at once',
      value: median,
      unit: 'x',
      spread: { ...rounds(median), rounds: 12 },
      floor: 0.01,
      over: 'windows',
    })
    const met = roundsTarget('app / bare', rounds(1.27), 0.9, 0.038)
    const checked = checkedTwoAtOnce(met, twoAtOnce(0.75))
    expect(checked).toMatchObject({
      verdict: 'not distinguishable',
      met: false,
      contradictedBy: 0.75,
    })
    expect(describeTarget(checked)).toBe(
      'NOT DISTINGUISHABLE  app / bare: 1.27x [1.22x–1.32x over 5 rounds, A/A floor ±3.8 %; two at once 0.75x says otherwise] (target >= 0.9x)',
    )
    const missed = roundsTarget('t', rounds(0.8), 0.95, 0.02)
    expect(checkedTwoAtOnce(missed, twoAtOnce(1.1)).verdict).toBe('not distinguishable')
    // Agreeing, within its own floor, or absent: the rounds' verdict stands, untouched.
    expect(checkedTwoAtOnce(met, twoAtOnce(0.95))).toBe(met)
    expect(checkedTwoAtOnce(met, twoAtOnce(0.905))).toBe(met)
    expect(checkedTwoAtOnce(missed, twoAtOnce(0.9))).toBe(missed)
    expect(checkedTwoAtOnce(missed, undefined)).toBe(missed)
    const ceiling = roundsTarget('dpop / bearer', rounds(1.5), 2, 0.02, 'ratio-at-most')
    expect(checkedTwoAtOnce(ceiling, twoAtOnce(2.5)).verdict).toBe('not distinguishable')
  })

  it('prints the verdict, the range and the floor', () => {
    expect(describeTarget(roundsTarget('ours / peer', rounds(3.2), 3, 0.04))).toBe(
      'met     ours / peer: 3.20x [3.15x–3.25x over 5 rounds, A/A floor ±4.0 %] (target >= 3x)',
    )
  })

  it('a ceiling on a ratio of costs (DPoP / bearer): met below it, missed above, within the floor neither', () => {
    const atMost = (median: number) => roundsTarget('t', rounds(median), 2, 0.1, 'ratio-at-most')
    expect(atMost(1.5).verdict).toBe('met')
    expect(atMost(2.5).verdict).toBe('missed')
    expect(atMost(2.1).verdict).toBe('not distinguishable')
    expect(atMost(Number.NaN).verdict).toBe('missed')
    expect(describeTarget(atMost(1.5))).toBe(
      'met     t: 1.50x [1.45x–1.55x over 5 rounds, A/A floor ±10.0 %] (target <= 2x)',
    )
  })

  it('a figure with no target is printed with its range, never judged', () => {
    expect(
      describeFigure({ name: 'key / secret', value: 1.1, unit: 'x', spread: rounds(1.1) }),
    ).toBe('figure  key / secret: 1.10x [1.05x–1.15x over 5 rounds] (no target)')
    expect(describeFigure({ name: 'ES256 check', value: 57.25, unit: 'µs' })).toBe(
      'figure  ES256 check: 57.3 µs (no target)',
    )
    const windows = { ...rounds(0.9), rounds: 12 }
    expect(
      describeFigure({
        name: 'two at once',
        value: 0.9,
        unit: 'x',
        spread: windows,
        floor: 0.02,
        over: 'windows',
      }),
    ).toBe('figure  two at once: 0.90x [0.85x–0.95x over 12 windows, A/A floor ±2.0 %] (no target)')
  })
})

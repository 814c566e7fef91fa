/**
 * Comparisons in alternating rounds: every variant measured once per round,
 * the order reversed every other round (A B C, C B A, …) so that a drift of
 * the machine during the run weighs on all of them alike. A figure is the
 * median of its rounds, shown with their min–max; a ratio is taken per round
 * (both sides measured minutes apart at most) and summarized the same way.
 */

/** The median of some rounds and their range. */
export interface Spread {
  median: number
  min: number
  max: number
  /** Rounds that gave a finite figure. */
  rounds: number
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b)
  const n = finite.length
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, rounds: 0 }
  const mid = Math.floor(n / 2)
  const median =
    n % 2 === 1
      ? (finite[mid] as number)
      : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2
  return { median, min: finite[0] as number, max: finite[n - 1] as number, rounds: n }
}

/** `a[r] / b[r]` for each round both measured. */
export function roundRatios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, round) => value / (b[round] as number)).filter((r) => r > 0)
}

/**
 * Per round, the mean of two copies of the same server (an A/A pair): the
 * limit a comparison is judged against. Identical servers came out up to a
 * fifth apart in some runs of this shared machine, in the same round; the
 * mean of both estimates their common cost better than either copy alone.
 */
export function pairMean(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, round) => {
    const other = b[round]
    return other === undefined || !Number.isFinite(other) ? value : (value + other) / 2
  })
}

/** The spread of `roundRatios(a, b)`. */
export function ratioSpread(a: readonly number[], b: readonly number[]): Spread {
  return spread(roundRatios(a, b))
}

/** The variants in the order of round `round` (0-based): as given, then reversed, and so on. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...items] : [...items].reverse()
}

/**
 * The noise floor of a comparison from its A/A control (the same server
 * measured twice per round): the median, over the rounds, of how far apart
 * the two copies were in a round. A median ratio closer to its target than
 * this is not told apart from it by this run. (The median rather than the
 * largest: one disturbed round would otherwise decide the whole run; and a
 * median of rounds moves less than any one round, so this errs on the safe side.)
 */
export function noiseFloor(control: readonly number[]): number {
  return spread(control.map((ratio) => Math.abs(ratio - 1))).median
}

/** An A/A pair's verdict on a run: how far its copies were apart, and the limit they set. */
export interface PairControl<K extends string> {
  /** The spread of `second / first` on the cost figure: 1 when the copies agree. */
  control: Spread
  /** `noiseFloor` of that control. */
  floor: number
  /** Per figure, the mean of both copies in each round (`pairMean`); the first copy alone when the second did not run. */
  limit: Record<K, number[]>
}

/**
 * The control, noise floor and limit of two copies of the same server measured
 * in every round. `figures` names the per-round figures to average; the first
 * is the cost (a CPU time per unit) whose ratio gives the floor.
 */
export function pairControl<K extends string>(
  first: Record<K, number[]>,
  second: Record<K, number[]> | undefined,
  figures: readonly [cost: K, ...others: K[]],
): PairControl<K> {
  const [cost] = figures
  const controlRatios = roundRatios(second?.[cost] ?? [], first[cost])
  const limit = Object.fromEntries(
    figures.map((key) => [key, second ? pairMean(first[key], second[key]) : first[key]]),
  ) as Record<K, number[]>
  return { control: spread(controlRatios), floor: noiseFloor(controlRatios), limit }
}

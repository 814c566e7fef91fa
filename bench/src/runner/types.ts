import type { BenchTenant } from './bench-tenant.js'
import type { LoadGenerator } from './load.js'
import type { Spread } from './rounds.js'
import type { BenchSettings } from './settings.js'

export interface Table {
  title: string
  columns: string[]
  rows: string[][]
}

/** A target of the issue: `value` against `target` (a ratio at least or at most, a count exactly, a cost at most). */
export interface Target {
  name: string
  value: number
  target: number
  /**
   * `at-most`: a cost (CPU µs, MiB) that must not exceed the target; `unit` names it.
   * `ratio-at-most`: a ratio of costs that must not exceed the target (DPoP / bearer).
   */
  kind: 'ratio-at-least' | 'ratio-at-most' | 'exactly' | 'at-most'
  unit?: string
  /** The rounds behind `value` (their median) when it comes from alternating rounds. */
  spread?: Spread
  /** The run's A/A noise floor (relative): a median closer to the target is not told apart. */
  floor?: number
  verdict: 'met' | 'missed' | 'not distinguishable'
  /** `verdict === 'met'`. */
  met: boolean
  /**
   * The same comparison measured two at once, when it contradicted the rounds (see
   * `checkedTwoAtOnce`): its median.
   */
  contradictedBy?: number
}

/** A figure reported with no target (a cost an issue asks to see, not to meet). */
export interface Figure {
  name: string
  /** The median of the rounds, or the one measurement. */
  value: number
  /** `x` for a ratio, otherwise the unit (µs). */
  unit: string
  spread?: Spread
  /** The A/A noise floor of the rounds behind it, when it has one. */
  floor?: number
  /** What `spread` is over, when not alternating rounds (`windows`). */
  over?: string
}

export interface ScenarioResult {
  tables: Table[]
  /** How it was measured, in a line each. */
  notes: string[]
  /** A variant that errored or failed its accept/reject check: the run fails. */
  failures: string[]
  targets: Target[]
  /** Figures shown beside the targets, with no verdict. */
  figures?: Figure[]
  /** The raw figures, for results/latest.json. */
  measurements: Record<string, unknown>
}

export interface Scenario {
  id: string
  title: string
  run(context: BenchContext): Promise<ScenarioResult>
  /**
   * Quick runs only: starts slow dependencies (services loading data) in the background, so
   * they are ready when the scenario comes. Called when the first `tolerant` scenario starts;
   * full runs never call it, the start-ups would disturb what is measured meanwhile.
   */
  prepare?(context: BenchContext): void
  /** Its checks and figures (counts, not throughput) do not suffer from background start-ups. */
  tolerant?: boolean
}

export interface BenchContext {
  settings: BenchSettings
  tenant: BenchTenant
  load: LoadGenerator
  log(line: string): void
  /**
   * At the start of each alternating round (`index` from 0): logs it and takes
   * the server core's pace, kept with the scenario's figures.
   */
  startRound(index: number): Promise<void>
  /** Started on first use, shared by the scenarios that need it, stopped at the end of the run. */
  shared<T>(key: string, start: () => Promise<T>, stop: (value: T) => Promise<void>): Promise<T>
}

export function target(
  name: string,
  value: number,
  wanted: number,
  kind: Target['kind'] = 'ratio-at-least',
): Target {
  const met =
    kind === 'exactly'
      ? value === wanted
      : kind === 'at-most' || kind === 'ratio-at-most'
        ? Number.isFinite(value) && value <= wanted
        : Number.isFinite(value) && value >= wanted
  return { name, value, target: wanted, kind, verdict: met ? 'met' : 'missed', met }
}

/**
 * A ratio target judged on the median of alternating rounds: met or missed
 * only when the median is farther from the target than the A/A noise floor,
 * otherwise "not distinguishable" (never counted as met). `ratio-at-least`
 * by default; `ratio-at-most` for a ratio of costs with a ceiling.
 */
export function roundsTarget(
  name: string,
  rounds: Spread,
  wanted: number,
  floor: number,
  kind: 'ratio-at-least' | 'ratio-at-most' = 'ratio-at-least',
): Target {
  const value = rounds.median
  let verdict: Target['verdict']
  if (!Number.isFinite(value)) verdict = 'missed'
  else if (Number.isFinite(floor) && Math.abs(value / wanted - 1) <= floor) {
    verdict = 'not distinguishable'
  } else verdict = (kind === 'ratio-at-most' ? value <= wanted : value >= wanted) ? 'met' : 'missed'
  return {
    name,
    value,
    target: wanted,
    kind,
    spread: rounds,
    floor,
    verdict,
    met: verdict === 'met',
  }
}

/**
 * A ratio target of alternating rounds, checked against the same comparison
 * measured two at once (`scenarios/paired-figures.ts`), judged alike on its
 * windows and their A/A floor. When one says met and the other missed, the
 * machine decided at least one of them: the target is "not distinguishable",
 * naming the figure that contradicted it. Otherwise the rounds' verdict stands.
 */
export function checkedTwoAtOnce(rounds: Target, twoAtOnce: Figure | undefined): Target {
  if (!twoAtOnce?.spread || (rounds.kind !== 'ratio-at-least' && rounds.kind !== 'ratio-at-most')) {
    return rounds
  }
  const other = roundsTarget(
    twoAtOnce.name,
    twoAtOnce.spread,
    rounds.target,
    twoAtOnce.floor ?? Number.NaN,
    rounds.kind,
  ).verdict
  const contradicted =
    (rounds.verdict === 'met' && other === 'missed') ||
    (rounds.verdict === 'missed' && other === 'met')
  if (!contradicted) return rounds
  return { ...rounds, verdict: 'not distinguishable', met: false, contradictedBy: twoAtOnce.value }
}

/** A cost target (`at-most`) judged on the median of alternating rounds, shown with their spread. */
export function atMostRounds(name: string, rounds: Spread, wanted: number, unit: string): Target {
  return { ...target(name, rounds.median, wanted, 'at-most'), unit, spread: rounds }
}

/**
 * Two servers measured at the same moment rather than one after the other
 * (`paired.ts`, and scenarios 1 and 8 of `pnpm bench`): both on the server
 * core, both loaded at once, each one's CPU per request read from `/proc` in
 * windows, so both live through the same steps of this machine's speed.
 * Each window is a load of its own, and which of the two the load connects
 * to first alternates (the first ran about 2 % cheaper in an A/A pair when it
 * was always the same one).
 */
import { loadInTicks, type TickTarget } from './tick-load.js'
import { cpuPerResponseByWindow, type WindowCost } from './windows.js'

export interface PairedSettings {
  /** Connections to each server. */
  connections: number
  windows: number
  /** Whole seconds a window. */
  seconds: number
  /** Load on both before the first window, not measured. */
  warmUpSeconds: number
}

/** Each server's CPU per request, window by window. */
export interface PairedWindows {
  a: WindowCost[]
  b: WindowCost[]
  /** Every response of the windows (not the warm-up's), a's and b's. */
  responses: { a: number; b: number }
}

export async function measurePaired(
  targets: readonly [TickTarget, TickTarget],
  /** Sent in turn to each server (`loadInTicks`). */
  authorizations: readonly string[],
  settings: PairedSettings,
): Promise<PairedWindows> {
  const { connections, windows, seconds, warmUpSeconds } = settings
  if (warmUpSeconds > 0) await loadInTicks(targets, authorizations, connections, warmUpSeconds)
  const paired: PairedWindows = { a: [], b: [], responses: { a: 0, b: 0 } }
  for (let window = 0; window < windows; window++) {
    const swapped = window % 2 === 1
    const order = swapped ? [targets[1], targets[0]] : targets
    const load = await loadInTicks(order, authorizations, connections, seconds)
    const [first, second] = load.ticks.map((list) => cpuPerResponseByWindow(list, seconds)[0])
    const [firstResponses = 0, secondResponses = 0] = load.responses
    paired.a.push((swapped ? second : first) as WindowCost)
    paired.b.push((swapped ? first : second) as WindowCost)
    paired.responses.a += swapped ? secondResponses : firstResponses
    paired.responses.b += swapped ? firstResponses : secondResponses
  }
  return paired
}

/** A window's CPU per request, user space and kernel together. */
export const totalCost = (window: WindowCost) => window.user + window.system

/** What b keeps of a, window by window: a's CPU per request over b's. */
export function keepsByWindow(paired: PairedWindows): number[] {
  return paired.a.map((cost, index) => totalCost(cost) / totalCost(paired.b[index] as WindowCost))
}

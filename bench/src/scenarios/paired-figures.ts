import { keepsByWindow, type PairedWindows } from '../runner/paired-windows.js'
import type { Child } from '../runner/processes.js'
import { noiseFloor, spread } from '../runner/rounds.js'
import type { BenchContext, Figure } from '../runner/types.js'

/** A server of a pair: where to load it, and the process whose CPU is read. */
export interface PairedServer {
  url: string
  child: Child
}

export interface PairedRun {
  aa: PairedWindows
  ours: PairedWindows
}

/**
 * After a scenario's rounds, its limit measured two at once with a copy of
 * itself (the A/A pair: its floor) and then with ours, the load worker loading
 * both of a pair from the load core: what ours keeps of the limit when both
 * live through the same seconds of this machine. Failures are returned, not
 * thrown: the rounds' figures stand without these.
 */
export async function measurePairedFigures(
  context: BenchContext,
  /** Sent in turn to each server of a pair (one, or a fleet's). */
  authorizations: readonly string[],
  /** Read inside: a server that did not start is a failure of these figures only. */
  serversOf: () => { limit: PairedServer; copy: PairedServer; ours: PairedServer },
  names: { aa: string; ours: string },
): Promise<{ figures: Figure[]; ours?: Figure; paired?: PairedRun; failure?: string }> {
  const target = ({ url, child }: PairedServer) => ({ url, pid: child.process.pid as number })
  try {
    const servers = serversOf()
    const pair = (other: PairedServer) =>
      context.load.paired(
        [target(servers.limit), target(other)],
        authorizations,
        context.settings.paired,
      )
    const aa = await pair(servers.copy)
    const ours = await pair(servers.ours)
    const aaRatios = keepsByWindow(aa)
    const aaKeeps = spread(aaRatios)
    const oursKeeps = spread(keepsByWindow(ours))
    const floor = noiseFloor(aaRatios)
    const oursFigure: Figure = {
      name: names.ours,
      value: oursKeeps.median,
      unit: 'x',
      spread: oursKeeps,
      floor,
      over: 'windows',
    }
    return {
      figures: [
        { name: names.aa, value: aaKeeps.median, unit: 'x', spread: aaKeeps, over: 'windows' },
        oursFigure,
      ],
      ours: oursFigure,
      paired: { aa, ours },
    }
  } catch (error) {
    return { figures: [], failure: `measured two at once: ${(error as Error).message}` }
  }
}

/** The note every scenario measuring pairs prints. */
export function pairedNote(context: BenchContext): string {
  const { windows, seconds, warmUpSeconds, connections } = context.settings.paired
  return `"two at once" figures: after the rounds, two servers loaded at the same moment (${connections} connections each, ${windows} windows of ${seconds} s after ${warmUpSeconds} s, which one the load connects to first alternating), both on the server core, each window's CPU per request from /proc: the machine's steps of speed fall on both alike; each has half a core and refills its caches after the other ran, so the ratio can understate the server with more code and data (a bound from below); the A/A pair's windows give its floor (median |ratio − 1|)`
}

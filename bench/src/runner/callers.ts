import type { CallEdge } from './self-costs.js'

/** One caller's calls to the functions matched, summed over its call lines. */
export interface CallerTotal {
  caller: string
  calls: number
  inclusive: number
}

/**
 * The callers of every function whose name contains `callee`, each with its
 * calls and the instructions spent in them, most instructions first.
 */
export function callersOf(edges: CallEdge[], callee: string): CallerTotal[] {
  const totals = new Map<string, CallerTotal>()
  for (const edge of edges) {
    if (!edge.callee.includes(callee)) continue
    const total = totals.get(edge.caller) ?? { caller: edge.caller, calls: 0, inclusive: 0 }
    total.calls += edge.calls
    total.inclusive += edge.inclusive
    totals.set(edge.caller, total)
  }
  return [...totals.values()].sort((a, b) => b.inclusive - a.inclusive)
}

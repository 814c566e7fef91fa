import { busySamples, type CpuProfile, callTree, frameName } from '../runner/cpu-profile.js'

/** A frame of a flame graph (d3-flame-graph's input): its time and its callees'. */
export interface FlameNode {
  name: string
  /** µs per request spent in this frame and what it called. */
  value: number
  children: FlameNode[]
  /** In a differential graph: `value` less the baseline's at the same stack. */
  delta?: number
}

interface Counted {
  name: string
  samples: number
  children: Map<string, Counted>
}

/**
 * A profile's busy samples (`busySamples`) as a flame tree whose values are
 * µs per request: each frame's share of the samples times the server's CPU
 * per request measured beside the profile. Frames are merged by name along
 * the stack, so a function called from two places is two frames.
 */
export function flameTree(profile: CpuProfile, microsPerRequest: number, name: string): FlameNode {
  const tree = callTree(profile)
  const samples = busySamples(profile, tree)
  const byLeaf = new Map<number, number>()
  for (const id of samples) byLeaf.set(id, (byLeaf.get(id) ?? 0) + 1)

  const root: Counted = { name, samples: 0, children: new Map() }
  for (const [leaf, count] of byLeaf) {
    const stack: string[] = []
    // V8's `(root)` node is the top of every stack: the graph's own root stands for it.
    for (let at: number | undefined = leaf; at !== undefined; at = tree.parent(at)) {
      if (tree.parent(at) !== undefined) stack.push(frameName(tree.node(at)))
    }
    root.samples += count
    let frame = root
    for (const caller of stack.reverse()) {
      let next = frame.children.get(caller)
      if (next === undefined) {
        next = { name: caller, samples: 0, children: new Map() }
        frame.children.set(caller, next)
      }
      next.samples += count
      frame = next
    }
  }
  const total = root.samples
  const toFlame = (frame: Counted): FlameNode => ({
    name: frame.name,
    value: (frame.samples / total) * microsPerRequest,
    children: [...frame.children.values()].map(toFlame),
  })
  return toFlame(root)
}

/**
 * `tree` with each frame's `delta` against `baseline`: its value less the
 * value of the frame at the same stack (names from the root down, the roots
 * matched whatever their names) in `baseline`, or its whole value where the
 * baseline has no such frame.
 */
export function differentialTree(tree: FlameNode, baseline: FlameNode): FlameNode {
  const compare = (frame: FlameNode, other: FlameNode | undefined): FlameNode => {
    const others = new Map(other?.children.map((child) => [child.name, child]))
    return {
      name: frame.name,
      value: frame.value,
      delta: frame.value - (other?.value ?? 0),
      children: frame.children.map((child) => compare(child, others.get(child.name))),
    }
  }
  return compare(tree, baseline)
}

/** The number of frames on the deepest stack, the root included. */
export function flameDepth(tree: FlameNode): number {
  return 1 + Math.max(0, ...tree.children.map(flameDepth))
}

/** How the difference between two servers' trees splits. */
export interface DifferenceSplit {
  /** µs per request in functions the baseline never ran (their own time, not their callees'). */
  ownFrames: number
  /** The rest of the difference: the functions both ran, running longer or shorter. */
  sharedFrames: number
}

/**
 * Splits `tree`'s value less `baseline`'s: the own time of the functions
 * `baseline` never ran (by name, at any stack: a callback-style lifecycle
 * runs the rest of a request beneath a hook, so the stacks differ below it),
 * and the rest.
 */
export function splitDifference(tree: FlameNode, baseline: FlameNode): DifferenceSplit {
  const known = new Set<string>()
  const collect = (frame: FlameNode): void => {
    known.add(frame.name)
    for (const child of frame.children) collect(child)
  }
  collect(baseline)
  const own = (frame: FlameNode): number => {
    const callees = frame.children.reduce((sum, child) => sum + child.value, 0)
    const self = known.has(frame.name) ? 0 : frame.value - callees
    return self + frame.children.reduce((sum, child) => sum + own(child), 0)
  }
  const ownFrames = tree.children.reduce((sum, child) => sum + own(child), 0)
  return { ownFrames, sharedFrames: tree.value - baseline.value - ownFrames }
}

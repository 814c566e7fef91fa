/**
 * V8 CPU profiles (`--cpu-prof`) of a server: the main thread's profile, its
 * frames named by function and place, and the samples of its busy time while
 * it answered requests.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

export interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
}

const repositoryRoot = `${path.resolve(import.meta.dirname, '../../..')}/`

/** A frame's file, relative to the repository or inside its package; none for V8's own. */
export function framePlace(node: ProfileNode): string | undefined {
  const { url } = node.callFrame
  if (!url) return undefined
  return url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\//, '')
    .replace(repositoryRoot, '')
}

/** `name place:line`; V8's own frames (`(garbage collector)`, `(program)`) by name alone. */
export function frameName(node: ProfileNode): string {
  const place = framePlace(node)
  const { functionName, lineNumber } = node.callFrame
  if (place === undefined) return functionName
  return `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`
}

/** The main thread's profile among those one server wrote into `directory`. */
export async function mainThreadProfile(directory: string): Promise<CpuProfile> {
  const files = (await readdir(directory)).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).sort()
  const file = files[0]
  if (!file) throw new Error(`no main-thread .cpuprofile in ${directory}`)
  return JSON.parse(await readFile(path.join(directory, file), 'utf8')) as CpuProfile
}

/** A profile's nodes by id, and each node's caller. */
export interface CallTree {
  node(id: number): ProfileNode
  parent(id: number): number | undefined
}

export function callTree(profile: CpuProfile): CallTree {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parentOf.set(child, node.id)
  }
  return {
    node(id) {
      const node = byId.get(id)
      if (!node) throw new Error(`the profile has no node ${id}`)
      return node
    },
    parent: (id) => parentOf.get(id),
  }
}

/**
 * The node ids of the samples taken while the server was busy answering:
 * from the first HTTP request on (start-up, imports and data loading are
 * dropped), the idle ones left out.
 */
export function busySamples(profile: CpuProfile, tree: CallTree = callTree(profile)): number[] {
  const first = profile.samples.findIndex(
    (id) => tree.node(id).callFrame.functionName === 'parserOnIncoming',
  )
  if (first === -1) throw new Error('the profile holds no HTTP request')
  return profile.samples
    .slice(first)
    .filter((id) => tree.node(id).callFrame.functionName !== '(idle)')
}

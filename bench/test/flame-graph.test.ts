import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flameGraphHtml, loadFlameGraphAssets } from '../src/report/flame-graph-page.js'
import { openFlameGraphRenderer } from '../src/report/flame-graph-png.js'
import {
  differentialTree,
  type FlameNode,
  flameDepth,
  flameTree,
  splitDifference,
} from '../src/report/flame-tree.js'
import type { CpuProfile, ProfileNode } from '../src/runner/cpu-profile.js'

const repository = path.resolve(import.meta.dirname, '../..')

function frame(id: number, functionName: string, url = '', children: number[] = []): ProfileNode {
  return { id, callFrame: { functionName, url, lineNumber: 9 }, children }
}

/**
 * (root) → (program), (idle), parserOnIncoming → handler → verify; samples:
 * start-up first (dropped), then one idle (dropped) among the busy ones.
 */
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', [2, 3, 4]),
    frame(2, '(program)'),
    frame(3, '(idle)'),
    frame(4, 'parserOnIncoming', 'node:_http_server', [5]),
    frame(5, 'handler', `file://${repository}/bench/src/servers/serve-variant.ts`, [6]),
    frame(6, 'verify', `file://${repository}/node_modules/.pnpm/x/node_modules/fast-jwt/v.js`),
  ],
  samples: [2, 2, 4, 5, 6, 6, 3, 2, 6, 5],
}

function find(tree: FlameNode, names: string[]): FlameNode | undefined {
  let at: FlameNode | undefined = tree
  for (const name of names) at = at?.children.find((child) => child.name.startsWith(name))
  return at
}

describe('flameTree', () => {
  const tree = flameTree(profile, 40, 'ours: 40 µs a request')

  it('spreads the CPU per request over the busy samples from the first request on', () => {
    // Busy from the first parserOnIncoming: 4, 5, 6, 6, 2, 6, 5 (the idle 3 dropped): 7 samples.
    expect(tree.name).toBe('ours: 40 µs a request')
    expect(tree.value).toBeCloseTo(40)
    expect(find(tree, ['(program)'])?.value).toBeCloseTo(40 / 7)
    expect(find(tree, ['parserOnIncoming'])?.value).toBeCloseTo((6 * 40) / 7)
    expect(find(tree, ['parserOnIncoming', 'handler'])?.value).toBeCloseTo((5 * 40) / 7)
    expect(find(tree, ['parserOnIncoming', 'handler', 'verify'])?.value).toBeCloseTo((3 * 40) / 7)
    expect(find(tree, ['(idle)'])).toBeUndefined()
    expect(flameDepth(tree)).toBe(4)
  })

  it('names frames by function and place, relative to the repository or the package', () => {
    const handler = find(tree, ['parserOnIncoming', 'handler'])
    expect(handler?.name).toBe('handler bench/src/servers/serve-variant.ts:10')
    expect(handler?.children[0]?.name).toBe('verify fast-jwt/v.js:10')
  })

  it('refuses a profile without a request', () => {
    expect(() => flameTree({ nodes: profile.nodes, samples: [2, 3] }, 40, 'x')).toThrow(
      /no HTTP request/,
    )
  })
})

describe('differentialTree', () => {
  it('gives each frame its difference with the frame at the same stack in the baseline', () => {
    const ours = flameTree(profile, 40, 'ours')
    const baseline = flameTree(
      {
        nodes: profile.nodes.map((n) => (n.id === 5 ? { ...n, children: [] } : n)),
        samples: [4, 5, 5, 2],
      },
      30,
      'no auth',
    )
    const diff = differentialTree(ours, baseline)
    expect(diff.delta).toBeCloseTo(10)
    expect(find(diff, ['parserOnIncoming'])?.delta).toBeCloseTo((6 * 40) / 7 - (3 * 30) / 4)
    // verify is in ours only: the whole of it is the difference.
    const verify = find(diff, ['parserOnIncoming', 'handler', 'verify'])
    expect(verify?.delta).toBeCloseTo(verify?.value ?? Number.NaN)
    expect(find(diff, ['(program)'])?.delta).toBeCloseTo(40 / 7 - 30 / 4)
  })
})

describe('splitDifference', () => {
  const node = (name: string, value: number, children: FlameNode[] = []): FlameNode => ({
    name,
    value,
    children,
  })

  it('counts the own time of functions the baseline never ran, at any stack, and the rest apart', () => {
    // b runs a hook (3 µs of its own) that calls the handler the baseline calls directly.
    const a = node('a', 10, [node('route', 6, [node('handler', 4)]), node('write', 4)])
    const b = node('b', 15, [
      node('route', 10, [node('hook', 8, [node('handler', 5)]), node('handler', 1)]),
      node('write', 5),
    ])
    const split = splitDifference(b, a)
    expect(split.ownFrames).toBeCloseTo(3)
    expect(split.sharedFrames).toBeCloseTo(2)
  })

  it('finds nothing of its own in a server against itself', () => {
    const tree = flameTree(profile, 40, 'x')
    expect(splitDifference(tree, tree)).toEqual({ ownFrames: 0, sharedFrames: 0 })
  })
})

describe('the flame graph page', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flame-graph-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('draws every frame offline, a name holding </script> included, and saves a PNG', async () => {
    const tree = flameTree(profile, 40, 'ours </script><b>')
    const html = flameGraphHtml(
      {
        title: 'ours vs no auth',
        caption: 'test',
        tree: differentialTree(tree, tree),
        differential: true,
      },
      await loadFlameGraphAssets(),
    )
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/)
    const file = path.join(dir, 'page.html')
    const png = path.join(dir, 'page.png')
    await writeFile(file, html)
    const renderer = await openFlameGraphRenderer()
    try {
      expect(await renderer.render(file, { width: 1000, png })).toBe(5)
      expect((await readFile(png)).subarray(1, 4).toString()).toBe('PNG')
      // A page whose script fails is reported at once, with the page's error.
      const broken = path.join(dir, 'broken.html')
      await writeFile(broken, html.replace('const data = ', 'const data = undefinedThing + '))
      await expect(renderer.render(broken, { width: 1000 })).rejects.toThrow(/undefinedThing/)
    } finally {
      await renderer.close()
    }
  }, 60_000)
})

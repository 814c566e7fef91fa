import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { mainThreadProfile } from '../runner/cpu-profile.js'
import { cacheDir } from '../runner/paths.js'
import { flameGraphHtml, loadFlameGraphAssets } from './flame-graph-page.js'
import { openFlameGraphRenderer } from './flame-graph-png.js'
import { type DifferenceSplit, differentialTree, flameTree, splitDifference } from './flame-tree.js'

/** A server profiled with `--cpu-prof`: its profiles' folder and its CPU per request. */
export interface ProfiledServer {
  id: string
  label: string
  /** Where its `--cpu-prof-dir` pointed. */
  profileDir: string
  /** Its CPU per request, measured beside the profile: the graphs' scale. */
  microsPerRequest: number
}

const WIDTH = 1600

/**
 * Writes into `dir` three flame graphs of two profiled servers, each an HTML page
 * (offline, interactive) and its PNG: `a`, `b`, and `b-vs-a`, b's frames
 * coloured by how much more (red) or less (blue) time each takes than a's
 * frame at the same stack. Returns the files written, and how b's difference
 * with a splits between b's own frames and the frames both have.
 * `measurement` says how the profiles and the figures were taken (captions).
 */
export async function writeFlameGraphs(
  dir: string,
  a: ProfiledServer,
  b: ProfiledServer,
  measurement: string,
): Promise<{ files: string[]; split: DifferenceSplit }> {
  const assets = await loadFlameGraphAssets()
  const trees = await Promise.all(
    [a, b].map(async (server) =>
      flameTree(
        await mainThreadProfile(server.profileDir),
        server.microsPerRequest,
        `${server.id}: ${server.microsPerRequest.toFixed(1)} µs a request`,
      ),
    ),
  )
  const [treeA, treeB] = trees as [ReturnType<typeof flameTree>, ReturnType<typeof flameTree>]
  const how = `${measurement} Hover a frame for its figures, click it to zoom.`
  const pages = [
    { name: 'a', title: `a: ${a.id} (${a.label})`, tree: treeA, differential: false, how },
    { name: 'b', title: `b: ${b.id} (${b.label})`, tree: treeB, differential: false, how },
    {
      name: 'b-vs-a',
      title: `b: ${b.id} against a: ${a.id}`,
      tree: differentialTree(treeB, treeA),
      differential: true,
      how: `b's frames; red: more µs per request than a's frame at the same stack, blue: less, orange: b's alone (the deeper the colour, the larger the difference against the frame's width); a frame only a has is not drawn, its time shows as blue on the frame above it. ${how}`,
    },
  ]
  const written: string[] = []
  const renderer = await openFlameGraphRenderer()
  try {
    for (const page of pages) {
      const html = path.join(dir, `${page.name}.html`)
      const png = path.join(dir, `${page.name}.png`)
      await writeFile(
        html,
        flameGraphHtml(
          {
            title: page.title,
            caption: page.how,
            tree: page.tree,
            differential: page.differential,
          },
          assets,
        ),
      )
      const frames = await renderer.render(html, { width: WIDTH, png })
      if (frames === 0) throw new Error(`${html} drew no frame`)
      written.push(html, png)
    }
  } finally {
    await renderer.close()
  }
  return { files: written, split: splitDifference(treeB, treeA) }
}

/** A new folder for the graphs of `a` against `b`: `bench/.cache/flamegraphs/<a>-vs-<b>-<time>`. */
export function flameGraphFolder(aId: string, bId: string): string {
  const time = new Date().toISOString().replace(/[:.]/g, '-')
  return path.join(cacheDir, 'flamegraphs', `${aId}-vs-${bId}-${time}`)
}

/**
 * What a run prints once the graphs are written: the files, how b's extra µs
 * split, and the `profile-diff` command for the same profiles.
 */
export function flameGraphReport(
  a: ProfiledServer,
  b: ProfiledServer,
  written: { files: string[]; split: DifferenceSplit },
): string {
  const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}`
  const { ownFrames, sharedFrames } = written.split
  return [
    'flame graphs:',
    ...written.files.map((file) => `  ${file}`),
    `b - a, µs a request: ${signed(b.microsPerRequest - a.microsPerRequest)}: ${signed(ownFrames)} in functions a never ran (their own time), ${signed(sharedFrames)} in those both ran`,
    `function by function: pnpm --filter @m2m/bench profile-diff ${a.profileDir} ${a.microsPerRequest.toFixed(1)} ${b.profileDir} ${b.microsPerRequest.toFixed(1)}`,
  ].join('\n')
}

import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { FlameNode } from './flame-tree.js'

/** The scripts and style a page embeds, so that it opens offline, from a file. */
export interface FlameGraphAssets {
  d3: string
  flameGraph: string
  css: string
}

const require = createRequire(import.meta.url)

/** d3 and d3-flame-graph (Apache-2.0) from the bench's own dependencies. */
export async function loadFlameGraphAssets(): Promise<FlameGraphAssets> {
  const d3Dir = path.dirname(require.resolve('d3'))
  const flameDir = path.dirname(require.resolve('d3-flame-graph'))
  const [d3, flameGraph, css] = await Promise.all([
    readFile(path.join(d3Dir, 'd3.min.js'), 'utf8'),
    readFile(path.join(flameDir, 'd3-flamegraph.umd.min.js'), 'utf8'),
    readFile(path.join(flameDir, 'd3-flamegraph.css'), 'utf8'),
  ])
  return { d3, flameGraph, css }
}

export interface FlameGraphPage {
  title: string
  /** What the widths and colours mean, and how the figures were made. */
  caption: string
  tree: FlameNode
  /** Colours by `delta` (red: more than the baseline, blue: less) instead of by name. */
  differential: boolean
}

/** `</script>` and the like cannot end an inline script: every `<` is escaped. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * One self-contained HTML page drawing `page.tree` with d3-flame-graph: hover
 * a frame for its µs per request (and, differential, its difference), click
 * to zoom. `document.body.dataset.frames` holds the number of frames drawn
 * once it is drawn (what a headless browser waits for).
 */
export function flameGraphHtml(page: FlameGraphPage, assets: FlameGraphAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(page.title)}</title>
<style>${assets.css}
body { font-family: Verdana, sans-serif; margin: 16px; }
h1 { font-size: 18px; margin: 0 0 4px; }
p { font-size: 13px; margin: 0 0 8px; max-width: 1400px; }
#details { font-size: 13px; min-height: 18px; }
</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.caption)}</p>
<div id="details"></div>
<div id="chart"></div>
<script>${assets.d3}</script>
<script>${assets.flameGraph}</script>
<script>
const data = ${inlineJson(page.tree)};
const differential = ${page.differential};
const micros = (value) => value.toFixed(2);
const chart = flamegraph.default()
  .width(Math.max(600, window.innerWidth - 32))
  .cellHeight(18)
  .transitionDuration(0)
  .minFrameSize(1)
  .sort(true)
  .setDetailsElement(document.getElementById('details'))
  .setLabelHandler((d) => {
    const share = (100 * d.value) / data.value;
    const own = d.data.name + ': ' + micros(d.value) + ' µs a request (' + share.toFixed(1) + ' %)';
    if (!differential) return own;
    const delta = d.data.delta;
    return own + ', ' + (delta >= 0 ? '+' : '') + micros(delta) + ' µs against the baseline';
  });
if (differential) chart.setColorMapper(flamegraph.colorMapper.differentialColorMapper);
d3.select('#chart').datum(data).call(chart);
document.body.dataset.frames = String(document.querySelectorAll('#chart svg g rect').length);
</script>
</body>
</html>
`
}

import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import type { ListeningDashboard } from './browser-harness.js'

const require = createRequire(import.meta.url)

/** msw's Service Worker script, as `msw init` would copy it into a public folder. */
const MSW_WORKER = require.resolve('msw/mockServiceWorker.js')
/** msw's browser build: one script that defines the global `MockServiceWorker` (not exported: found beside package.json). */
const MSW_IIFE = join(dirname(require.resolve('msw/package.json')), 'lib/iife/index.js')

/** What the page sees of msw's browser build (`globalThis.MockServiceWorker`). */
export type MswGlobal = typeof import('msw') & typeof import('msw/browser')

/**
 * A test-only route: msw's worker at `/mockServiceWorker.js`, so that its
 * scope (`/`) covers the dashboard. Pass as `beforeListen`.
 */
export async function serveMswWorker(app: ListeningDashboard['app']): Promise<void> {
  const worker = await readFile(MSW_WORKER)
  app.get('/mockServiceWorker.js', (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-store').send(worker),
  )
}

/** Loads msw's browser build into every page of the context, before the page's own scripts. */
export async function loadMswIntoPages(context: BrowserContext): Promise<void> {
  const build = await readFile(MSW_IIFE, 'utf8')
  // Playwright runs an init script inside a function: its top-level `var` would stay local.
  await context.addInitScript({
    content: `${build}\n;globalThis.MockServiceWorker = MockServiceWorker`,
  })
}

/**
 * Opens `url` with msw in charge before the dashboard's scripts run: they
 * are held back (a page route, nothing mocked) while `start` registers the
 * worker, starts msw with the test's handlers and waits until the worker
 * controls the page; then they load, and every request they make (the live
 * log's EventSource included) goes through msw.
 */
export async function openWithMsw<Arg>(
  page: Page,
  url: string,
  start: (arg: Arg) => Promise<void>,
  arg: Arg,
): Promise<void> {
  let release = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  const scripts = '**/dashboard/assets/*.js'
  const held: Array<Promise<void>> = []
  await page.route(scripts, (route) => {
    const continued = released.then(() => route.continue())
    held.push(continued)
    return continued
  })
  await page.goto(url, { waitUntil: 'commit' })
  await page.waitForFunction(() => 'MockServiceWorker' in globalThis)
  // The worker's messages to the page wait for DOMContentLoaded, which waits for the held scripts.
  await page.evaluate(() =>
    (
      globalThis as unknown as { navigator: { serviceWorker: { startMessages(): void } } }
    ).navigator.serviceWorker.startMessages(),
  )
  await page.evaluate(start as (arg: unknown) => Promise<void>, arg)
  await page.waitForFunction(
    () =>
      (globalThis as unknown as { navigator: { serviceWorker: { controller: unknown } } }).navigator
        .serviceWorker.controller !== null,
  )
  release()
  await Promise.all(held)
  await page.unroute(scripts)
  await page.waitForLoadState('load')
}

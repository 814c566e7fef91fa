import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'

// Debian's chromium (.ci/run installs it for the dashboard's tests); playwright-core downloads none.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Opens a page of `flameGraphHtml` in headless chromium, `width` pixels wide,
 * waits until it has drawn its frames and, with `png`, saves the whole page
 * there. Returns how many frames it drew (none: the page is broken).
 */
export async function renderFlameGraph(
  htmlFile: string,
  options: { width: number; png?: string },
): Promise<number> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  })
  try {
    const page = await browser.newPage({ viewport: { width: options.width, height: 800 } })
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(pathToFileURL(htmlFile).href)
    const drawn = await page
      .waitForFunction(() => document.body.dataset.frames, undefined, { timeout: 30_000 })
      .then(async (handle) => Number(await handle.jsonValue()))
      .catch(() => 0)
    if (errors.length > 0) throw new Error(`${htmlFile}: ${errors.join('; ')}`)
    if (options.png && drawn > 0) await page.screenshot({ path: options.png, fullPage: true })
    return drawn
  } finally {
    await browser.close()
  }
}

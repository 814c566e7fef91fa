import { pathToFileURL } from 'node:url'
import { type Browser, chromium } from 'playwright-core'

// Debian's chromium (.ci/run installs it for the dashboard's tests); playwright-core downloads none.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface FlameGraphRenderer {
  /**
   * Opens a page of `flameGraphHtml` `width` pixels wide, waits until it has
   * drawn its frames and, with `png`, saves the whole page there. Returns how
   * many frames it drew; throws on a script error of the page, or when it
   * drew nothing within 30 s.
   */
  render(htmlFile: string, options: { width: number; png?: string }): Promise<number>
  close(): Promise<void>
}

/** One headless chromium for the pages of a run; close it when done. */
export async function openFlameGraphRenderer(): Promise<FlameGraphRenderer> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  })
  return {
    async render(htmlFile, options) {
      const page = await browser.newPage({ viewport: { width: options.width, height: 800 } })
      try {
        const failed = new Promise<never>((_, reject) => {
          page.on('pageerror', (error) => reject(new Error(`${htmlFile}: ${error.message}`)))
        })
        const drawn = page
          .goto(pathToFileURL(htmlFile).href)
          .then(() =>
            page.waitForFunction(() => document.body.dataset.frames, undefined, {
              timeout: 30_000,
            }),
          )
          .then(async (handle) => Number(await handle.jsonValue()))
        const frames = await Promise.race([drawn, failed])
        if (options.png && frames > 0) await page.screenshot({ path: options.png, fullPage: true })
        return frames
      } finally {
        await page.close()
      }
    },
    close: () => browser.close(),
  }
}

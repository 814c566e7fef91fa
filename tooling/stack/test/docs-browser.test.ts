import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { repoRoot, type StackProcess, startStackProcess } from './helpers/stack-process.js'

// Debian's chromium (.ci/run installs it); playwright-core never downloads a browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const screenshots = join(repoRoot, 'tooling/stack/test-results')

type Operation = [method: string, path: string, scope: string | null]

const services: Record<string, { url: (stack: StackProcess) => string; operations: Operation[] }> =
  {
    'world-mappers': {
      url: (stack) => stack.urls.worldMappers,
      operations: [
        ['GET', '/api/location/geocode', 'geocode:location'],
        ['GET', '/api/location/reverse-geocode', 'reverse-geocode:location'],
        ['GET', '/api/directions', 'directions'],
      ],
    },
    'gift-deliveries': {
      url: (stack) => stack.urls.giftDeliveries,
      operations: [
        ['POST', '/deliveries', 'create:deliveries'],
        ['GET', '/deliveries', 'read:deliveries'],
        ['GET', '/deliveries/{id}', 'read:deliveries'],
      ],
    },
    'auth-server': {
      url: (stack) => stack.urls.authServer,
      operations: [
        ['POST', '/oauth/token', null],
        ['GET', '/api/v2/clients', 'read:clients'],
        ['GET', '/api/v2/logs', 'read:logs'],
      ],
    },
  }

/** The operation's block in Swagger UI: its method and exact path. */
function operationBlock(page: Page, [method, path]: Operation) {
  return page
    .locator(`.opblock-${method.toLowerCase()}`)
    .filter({ has: page.locator(`[data-path="${path}"]`) })
}

describe('each service’s /docs in a real browser', () => {
  let stack: StackProcess
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    stack = await startStackProcess()
    await stack.waitFor(/Ctrl-C stops all three/)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
  })
  afterAll(async () => {
    await browser?.close()
    stack?.child.kill('SIGTERM')
    await stack?.waitFor(/all services stopped/, 60_000).catch(() => undefined)
    await stack?.cleanup()
  })
  afterEach(async (context) => {
    // Kept for CI when a check fails: what the page looked like.
    if (context.task.result?.state === 'fail' && page) {
      await mkdir(screenshots, { recursive: true })
      const file = join(screenshots, `${context.task.name.replace(/\W+/g, '-')}.png`)
      await page.screenshot({ path: file, fullPage: true })
      console.error(`screenshot of the failed page: ${file}`)
    }
    await page?.close()
  })

  for (const [name, service] of Object.entries(services)) {
    it(`${name}: renders its operations, each with the scope it requires`, async () => {
      page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      const response = await page.goto(`${service.url(stack)}/docs`)
      expect(response?.status()).toBe(200)
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 })

      for (const operation of service.operations) {
        const block = operationBlock(page, operation)
        await expect.poll(() => block.count()).toBe(1)
        const lock = block.locator('.authorization__btn')
        const scope = operation[2]
        if (scope === null) {
          expect(await lock.count()).toBe(0)
          continue
        }
        // The lock opens the authorize dialog with this operation's scopes only.
        await lock.click()
        const dialog = page.locator('.dialog-ux')
        await dialog.waitFor()
        // Each scope's label is its name, then its description.
        const labels = dialog.locator('.scopes label')
        await expect
          .poll(async () => (await labels.allInnerTexts()).map((text) => text.split('\n')[0]))
          .toEqual([scope])
        await dialog.locator('button.close-modal').click()
        await dialog.waitFor({ state: 'detached' })
      }
      expect(errors).toEqual([])
    })
  }
})

import { fileURLToPath } from 'node:url'

/**
 * vitest `test` options that capture every log line of the run (log-capture.ts)
 * and scan them for secrets when it ends (log-scan.ts). Spread into the
 * services' `createVitestConfig({ test: { ...logScan } })`.
 */
export const logScan = {
  setupFiles: [fileURLToPath(new URL('./log-capture.ts', import.meta.url))],
  globalSetup: [fileURLToPath(new URL('./log-scan.ts', import.meta.url))],
}

import { createVitestConfig } from '@m2m/vitest-config'

export default createVitestConfig({
  test: {
    // Every log line of the run goes through the production logger at trace level
    // and is scanned for secrets, tokens and private keys when the run ends.
    setupFiles: ['test/setup/log-capture.ts'],
    globalSetup: ['test/setup/log-scan.ts'],
  },
})

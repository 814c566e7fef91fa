import { logScan } from '@m2m/log-scan'
import { createVitestConfig } from '@m2m/vitest-config'

// Every log line of the run goes through the production logger at trace level
// and is scanned for secrets, tokens and private keys when the run ends.
export default createVitestConfig({ test: { ...logScan } })

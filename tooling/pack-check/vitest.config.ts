import { createVitestConfig } from '@m2m/vitest-config'

// One test: packs, installs from the npm registry, starts servers. Minutes, not seconds.
export default createVitestConfig({ test: { testTimeout: 240_000 } })

import { createVitestConfig } from '@m2m/vitest-config'

export default createVitestConfig()

import { createVitestConfig } from '@m2m/vitest-config'

// Files that start a whole stack of real processes run one after another:
// two stacks at once on two cores would only make both slow.
export default createVitestConfig({
  test: { fileParallelism: false, testTimeout: 60_000, hookTimeout: 180_000 },
})

import { defineConfig } from 'vitest/config'

// Workspace packages export `@m2m/source` -> src/*.ts so tests run from a fresh
// clone with no build. Vite replaces its default condition list when one is
// given, so its defaults are repeated here, but for `module`: Node never reads
// it, and with it tests would load bundler-only builds that Node cannot run
// (OpenTelemetry's exporters: `build/esm`, extensionless imports). Tests
// resolve as Node does in production. `import`/`require` must NOT be
// listed: Vite adds the right one per importer, and forcing `import` makes
// CommonJS packages (express's router) receive ESM namespaces.
const conditions = ['@m2m/source', 'node', 'development|production']

/** Shared vitest config for every workspace package. */
export function createVitestConfig(overrides = {}) {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@m2m/source'] } },
    ...overrides,
    test: {
      environment: 'node',
      include: ['test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      restoreMocks: true,
      ...overrides.test,
    },
  })
}

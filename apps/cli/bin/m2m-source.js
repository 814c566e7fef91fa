// Runs the CLI from its TypeScript sources (no build), as `pnpm m2m` does from the
// repository root: `node --conditions=@m2m/source apps/cli/bin/m2m-source.js`.
// tsx is resolved from this package, so the root needs no dependency on it.
import 'tsx'

await import('../src/main.ts')

import { execFile } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const appDir = dirname(dirname(dirname(fileURLToPath(import.meta.url))))
const repoRoot = join(appDir, '../..')

/** `bin/m2m-tenant.js`, which runs `dist/standalone/main.js`. */
export const binPath = join(appDir, 'bin/m2m-tenant.js')

/** The newest modification time of the files under `dir` (0 when there are none). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return latest
}

/** A package whose `dist` is missing or older than its `src`. */
function stale(packageDir: string): boolean {
  const built = newest(join(packageDir, 'dist'))
  return built === 0 || built < newest(join(packageDir, 'src'))
}

/**
 * The bin runs built code. Under `pnpm test` turbo has built it (the
 * package's `test` depends on `build`); run alone (`vitest run` after an
 * edit) the build is done here, through turbo like the package's `start`
 * script, only when a `dist` it needs is missing or older than its sources.
 */
export async function ensureBuilt(): Promise<void> {
  const packages = [appDir, join(repoRoot, 'packages/auth'), join(repoRoot, 'packages/service-kit')]
  if (!packages.some(stale)) return
  await promisify(execFile)(
    'pnpm',
    ['exec', 'turbo', 'run', 'build', '--filter=@m2m/auth-server', '--output-logs=errors-only'],
    { cwd: repoRoot, env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' }, timeout: 300_000 },
  )
}

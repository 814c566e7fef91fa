import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const requireHere = createRequire(import.meta.url)

/** The bench package's root folder. */
export const benchRoot = fileURLToPath(new URL('../../', import.meta.url))

/** Generated data that survives runs (tenant keys, fleet tokens): gitignored. */
export const cacheDir = join(benchRoot, '.cache')

export const resultsDir = join(benchRoot, 'results')

export const benchScript = (path: string) => join(benchRoot, 'src', path)

/** A workspace package's folder, resolved the way Node resolves it from here. */
export function packageDir(name: string): string {
  return dirname(requireHere.resolve(`${name}/package.json`))
}

/** `--cpu-prof` flags: one profile per thread, in `dir`; a sample every `intervalMicros` (V8's 1,000 by default). */
export const cpuProfileFlags = (dir: string, intervalMicros?: number) => [
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
  ...(intervalMicros === undefined ? [] : [`--cpu-prof-interval=${intervalMicros}`]),
]

/** `--cpu-prof` flags: one profile per thread, in bench/.cache/profiles/<name>/. */
export const profileFlags = (name: string) => cpuProfileFlags(join(cacheDir, 'profiles', name))

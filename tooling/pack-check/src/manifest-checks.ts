import { builtinModules } from 'node:module'

export type Manifest = Record<string, unknown> & {
  name?: string
  exports?: unknown
  bin?: string | Record<string, string>
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

export interface PackedManifestInput {
  /** package.json as packed (the tarball's). */
  packed: Manifest
  /** package.json in the workspace. */
  workspace: Manifest
  /** Every path in the tarball, relative to its `package/`. */
  files: readonly string[]
  /** The names of every package packed with it: what `@m2m/*` dependencies may name. */
  published: ReadonlySet<string>
  /** The first line of a file of the package (for `bin` shebangs). */
  firstLine(path: string): string
}

const RUNTIME_DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies']

/** What would keep a stranger from installing and using the tarball; empty when nothing. */
export function packedManifestProblems(input: PackedManifestInput): string[] {
  const { packed, files } = input
  const name = String(packed.name)
  const problems: string[] = []
  const has = new Set(files)
  for (const required of ['package.json', 'README.md', 'LICENSE']) {
    if (!has.has(required)) problems.push(`${name}: the tarball has no ${required}`)
  }
  for (const file of files) {
    if (/^(src|test)\//.test(file))
      problems.push(`${name}: ships ${file} (sources and tests stay home)`)
    else if (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)) problems.push(`${name}: ships ${file}`)
    if (/\.private\.pem$|(^|\/)\.env$/.test(file))
      problems.push(`${name}: ships the secret ${file}`)
  }
  if (packed.private === true) problems.push(`${name}: "private": true (npm refuses to publish it)`)
  if (packed.license !== 'MIT')
    problems.push(`${name}: license is ${String(packed.license)}, not MIT`)
  if (packed.type !== 'module') problems.push(`${name}: not "type": "module"`)
  if (JSON.stringify([packed.exports, packed.imports]).includes('@m2m/source')) {
    problems.push(`${name}: the packed exports still name the @m2m/source condition`)
  }
  const expected = withoutCondition(input.workspace.exports, '@m2m/source')
  if (JSON.stringify(packed.exports) !== JSON.stringify(expected)) {
    problems.push(
      `${name}: packed "exports" differ from the workspace's without @m2m/source (publishConfig.exports out of step?): ${JSON.stringify(packed.exports)}`,
    )
  }
  for (const target of exportTargets(packed.exports)) {
    if (!has.has(target.replace(/^\.\//, '')))
      problems.push(`${name}: exports ${target}, not in the tarball`)
  }
  const bins = typeof packed.bin === 'string' ? { [name]: packed.bin } : (packed.bin ?? {})
  for (const [command, target] of Object.entries(bins)) {
    const path = target.replace(/^\.\//, '')
    if (!has.has(path)) problems.push(`${name}: bin ${command} -> ${target}, not in the tarball`)
    else if (input.firstLine(path) !== '#!/usr/bin/env node') {
      problems.push(`${name}: bin ${command} (${target}) does not start with #!/usr/bin/env node`)
    }
  }
  for (const field of RUNTIME_DEPENDENCY_FIELDS) {
    const deps = (packed[field] ?? {}) as Record<string, string>
    for (const [dep, range] of Object.entries(deps)) {
      if (/^(workspace|catalog|link|file):/.test(range)) {
        problems.push(`${name}: ${field}.${dep} is "${range}", which only this workspace resolves`)
      }
      if (dep.startsWith('@m2m/') && !input.published.has(dep)) {
        problems.push(`${name}: ${field}.${dep} is a workspace package that is not published`)
      }
    }
  }
  return problems
}

/** `exports` with one condition removed everywhere, as `publishConfig.exports` should be. */
export function withoutCondition(value: unknown, condition: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== condition)
      .map(([key, inner]) => [key, withoutCondition(inner, condition)]),
  )
}

function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.values(value).flatMap(exportTargets)
}

const BUILTINS = new Set(builtinModules)

/**
 * Bare specifiers a built file loads: static and dynamic `import`, and
 * `require`/`createRequire(...)` calls. Built files only: a regular
 * expression over tsc's output, not a parser.
 */
export function importedPackages(source: string): Set<string> {
  const patterns = [
    /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /(?:\brequire|\))\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  const names = new Set<string>()
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[1] as string
      if (specifier.startsWith('.') || specifier.startsWith('/')) continue
      if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] as string)) continue
      const parts = specifier.split('/')
      names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string))
    }
  }
  return names
}

/** Packages a built file imports that its package.json does not declare (npm would not install them). */
export function undeclaredImports(manifest: Manifest, source: string): string[] {
  const declared = new Set([String(manifest.name)])
  for (const field of RUNTIME_DEPENDENCY_FIELDS) {
    for (const dep of Object.keys((manifest[field] ?? {}) as object)) declared.add(dep)
  }
  return [...importedPackages(source)].filter((name) => !declared.has(name))
}

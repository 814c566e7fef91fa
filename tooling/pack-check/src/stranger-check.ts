import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Manifest, packedManifestProblems, undeclaredImports } from './manifest-checks.js'
import { PUBLISHED_PACKAGES } from './packages.js'
import { run, strangerEnv } from './run.js'

/** src/ or dist/ of tooling/pack-check: the repository is three levels up. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const STRANGER_FILES = fileURLToPath(new URL('../stranger/', import.meta.url))

/**
 * What the stranger installs besides the tarballs, as anyone would: the
 * newest of each major. undici 7 and @types/node 20: undici 8 needs Node 22,
 * and the packages support Node 20.19.
 */
const REGISTRY_PACKAGES = ['fastify@5', 'undici@7', 'typescript@~6.0.3', '@types/node@20']

export interface StrangerCheckOptions {
  /** The Node binary the stranger's project runs on (npm included). */
  node: string
  /** Keep the temporary directory (its path is logged). Default: removed. */
  keep?: boolean
  /** Progress lines. Default none. */
  log?: (line: string) => void
}

export interface PackedTarball {
  name: string
  /** The tarball's file name. */
  file: string
  bytes: number
  /** Every path in it, relative to its `package/`, sorted. */
  files: string[]
}

export interface StrangerReport {
  /** `process.version` of the given binary. */
  nodeVersion: string
  tarballs: PackedTarball[]
  /** The `ok …` lines of the stranger's script, one per expectation met. */
  checks: string[]
  /** Seconds per phase. */
  seconds: { pack: number; install: number; typecheck: number; run: number; total: number }
}

/**
 * Packs the published packages with `pnpm pack`, checks the tarballs'
 * manifests, installs them with plain npm in a new project under the
 * system's temporary directory (outside the workspace: no pnpm, no
 * `@m2m/source`, nothing hoisted from here), type-checks a consumer against
 * their declarations, and runs `stranger/check.mjs` there on `node`. Throws
 * with every problem found. Needs the packages built (`turbo run build`).
 */
export async function runStrangerCheck(options: StrangerCheckOptions): Promise<StrangerReport> {
  const log = options.log ?? (() => {})
  const started = performance.now()
  const seconds = { pack: 0, install: 0, typecheck: 0, run: 0, total: 0 }
  const lap = (phase: keyof typeof seconds, since: number) => {
    seconds[phase] = Math.round((performance.now() - since) / 100) / 10
    return performance.now()
  }
  const env = strangerEnv(process.env, dirname(options.node), REPO_ROOT)
  const nodeVersion = (
    await run(options.node, ['--version'], { cwd: REPO_ROOT, env, timeoutMs: 10_000 })
  ).stdout.trim()

  const unbuilt = PUBLISHED_PACKAGES.filter(({ dir }) => !existsSync(join(REPO_ROOT, dir, 'dist')))
  if (unbuilt.length > 0) {
    throw new Error(
      `not built: ${unbuilt.map((p) => p.name).join(', ')}; run \`pnpm build\` (turbo) first`,
    )
  }

  const root = await mkdtemp(join(tmpdir(), 'm2m-stranger-'))
  log(`${options.keep ? 'keeping' : 'working in'} ${root}`)
  try {
    let since = performance.now()
    const tarballDir = join(root, 'tarballs')
    const tarballs = await packAll(tarballDir)
    since = lap('pack', since)
    for (const tarball of tarballs) {
      log(`packed ${tarball.file}: ${tarball.files.length} files, ${tarball.bytes} bytes`)
    }

    const project = join(root, 'project')
    await mkdir(project)
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'stranger', private: true, type: 'module' }, null, 2)}\n`,
    )
    for (const file of await readdir(STRANGER_FILES)) {
      await copyFile(join(STRANGER_FILES, file), join(project, file))
    }
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2))
    const tarballPaths = tarballs.map((t) => join(tarballDir, t.file))
    log(`npm install ${tarballs.map((t) => t.file).join(' ')} ${REGISTRY_PACKAGES.join(' ')}`)
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...tarballPaths,
        ...REGISTRY_PACKAGES,
      ],
      { cwd: project, env, timeoutMs: 300_000 },
    )
    await assertInstalledFromTarballs(project)
    const importProblems = await undeclaredImportProblems(project)
    if (importProblems.length > 0) throw new Error(importProblems.join('\n'))
    since = lap('install', since)

    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc')
    await run(options.node, [tsc, '-p', 'tsconfig.json'], { cwd: project, env, timeoutMs: 120_000 })
    log('tsc --noEmit on types.ts: the declarations resolve')
    since = lap('typecheck', since)

    const { stdout } = await run(options.node, ['check.mjs'], {
      cwd: project,
      env,
      timeoutMs: 120_000,
    })
    const checks = stdout.split('\n').filter((line) => line.startsWith('ok '))
    if (!checks[0]?.includes(`node ${nodeVersion}:`)) {
      throw new Error(`check.mjs did not run on ${options.node} (${nodeVersion}):\n${stdout}`)
    }
    for (const line of checks) log(line)
    lap('run', since)
    seconds.total = Math.round((performance.now() - started) / 100) / 10
    return { nodeVersion, tarballs, checks, seconds }
  } finally {
    if (!options.keep) await rm(root, { recursive: true, force: true })
  }
}

/** The stranger's tsconfig: NodeNext as Node resolves, and every `.d.ts` checked. */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
  },
  files: ['types.ts'],
}

async function packAll(dir: string): Promise<PackedTarball[]> {
  await mkdir(dir)
  const published = new Set<string>(PUBLISHED_PACKAGES.map((p) => p.name))
  const tarballs: PackedTarball[] = []
  const problems: string[] = []
  for (const pkg of PUBLISHED_PACKAGES) {
    const cwd = join(REPO_ROOT, pkg.dir)
    // pnpm pack: `workspace:*` and `catalog:` become versions, publishConfig.exports
    // replaces exports, and the repository's LICENSE is added when the package has none.
    const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', dir], {
      cwd,
      env: process.env,
      timeoutMs: 60_000,
    })
    const tarball = (JSON.parse(stdout) as { filename: string }).filename
    // The tarball's own listing: pnpm's JSON leaves out the LICENSE it copies from the root.
    const { stdout: listing } = await run('tar', ['-tzf', tarball], {
      cwd: dir,
      env: process.env,
      timeoutMs: 10_000,
    })
    const files = listing
      .split('\n')
      .filter((line) => line.startsWith('package/') && !line.endsWith('/'))
      .map((line) => line.slice('package/'.length))
      .sort()
    const { stdout: packedJson } = await run('tar', ['-xzOf', tarball, 'package/package.json'], {
      cwd: dir,
      env: process.env,
      timeoutMs: 10_000,
    })
    const workspace = JSON.parse(await readFile(join(cwd, 'package.json'), 'utf8')) as Manifest
    problems.push(
      ...packedManifestProblems({
        packed: JSON.parse(packedJson) as Manifest,
        workspace,
        files,
        published,
        firstLine: (path) => readFileSync(join(cwd, path), 'utf8').split('\n')[0] ?? '',
      }),
    )
    const { size } = await stat(tarball)
    tarballs.push({ name: pkg.name, file: relative(dir, tarball), bytes: size, files })
  }
  if (problems.length > 0) throw new Error(problems.join('\n'))
  return tarballs
}

/** npm took every @m2m package from the tarballs given, none from the registry. */
async function assertInstalledFromTarballs(project: string): Promise<void> {
  const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { resolved?: string }>
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.includes('node_modules/@m2m/')) continue
    if (!entry.resolved?.startsWith('file:')) {
      throw new Error(`${path} was installed from ${entry.resolved}, not from a packed tarball`)
    }
  }
}

async function undeclaredImportProblems(project: string): Promise<string[]> {
  const problems: string[] = []
  for (const pkg of PUBLISHED_PACKAGES) {
    const dir = join(project, 'node_modules', pkg.name)
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest
    const files = (await readdir(join(dir, 'dist'), { recursive: true })).filter((file) =>
      file.endsWith('.js'),
    )
    for (const file of files) {
      const source = await readFile(join(dir, 'dist', file), 'utf8')
      for (const name of undeclaredImports(manifest, source)) {
        problems.push(`${pkg.name}: dist/${file} imports ${name}, not in its dependencies`)
      }
    }
  }
  return problems
}

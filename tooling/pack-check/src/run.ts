import { spawn } from 'node:child_process'
import { relative, resolve } from 'node:path'

export interface RunOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  timeoutMs: number
}

export interface RunResult {
  stdout: string
  stderr: string
}

/** Runs a command to its end; rejects with its output when it fails or times out. */
export function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`${command} ${args.join(' ')}: ${error.message}`, { cause: error }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) return resolve({ stdout, stderr })
      const why = signal ? `killed (${signal}, limit ${options.timeoutMs} ms)` : `exit ${code}`
      reject(
        new Error(
          `${command} ${args.join(' ')} (in ${options.cwd}): ${why}\n${stdout}${stderr}`.trimEnd(),
        ),
      )
    })
  })
}

/**
 * The environment a stranger's shell would have: without what pnpm, turbo and
 * vitest set for their scripts (`npm_config_*` from pnpm would reconfigure
 * npm; `NODE_ENV=test` from vitest) and without m2m credentials of the
 * developer's own shell, which the CLI would read. `NPM_CONFIG_*` in capitals
 * (a registry mirror, a proxy) is the machine's own and stays.
 */
export function strangerEnv(
  env: NodeJS.ProcessEnv,
  nodeDir: string,
  workspace: string,
): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(env)) {
    if (/^(npm_|pnpm_|PNPM_|TURBO_|VITEST|AUTH0_|M2M_)/.test(key)) continue
    if (['INIT_CWD', 'NODE_ENV', 'NODE_OPTIONS', 'TEST', 'ISSUER_BASE_URL'].includes(key)) continue
    clean[key] = value
  }
  // Any `#!/usr/bin/env node` (npm itself, node_modules/.bin/*) finds this Node first,
  // and no workspace binary (pnpm puts every node_modules/.bin of the workspace on PATH).
  const outside = (env.PATH ?? '').split(':').filter((dir) => dir && !isInside(dir, workspace))
  clean.PATH = [nodeDir, ...outside].join(':')
  return clean
}

function isInside(dir: string, root: string): boolean {
  const path = relative(root, resolve(dir))
  return path === '' || (!path.startsWith('..') && !path.startsWith('/'))
}

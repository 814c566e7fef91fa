import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from '../../src/index.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string>
  cwd?: string
  stdin?: string
  signal?: AbortSignal
  now?: () => number
  /** stdout is a terminal (in process only): the commands print for a person. */
  tty?: boolean
  /** Called with stdout so far, on every write (in process only). */
  onStdout?: (stdout: string) => void
}

/** A working directory of its own (no stray `.env`), optionally with files. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'm2m-cli-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

/** `m2m <args>` in this process, through the same `runCli` that `main.ts` calls. */
export async function runInProcess(args: string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    stdout: {
      isTTY: options.tty === true,
      write(chunk: string) {
        stdout += chunk
        options.onStdout?.(stdout)
      },
    },
    stderr: {
      write(chunk: string) {
        stderr += chunk
      },
    },
    readStdin: async () => options.stdin ?? '',
    env: options.env ?? {},
    cwd: options.cwd ?? tempDir(),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.now ? { now: options.now } : {}),
  })
  return { code, stdout, stderr }
}

const sourceLauncher = fileURLToPath(new URL('../../bin/m2m-source.js', import.meta.url))

/**
 * `m2m <args>` as a real process, from the sources exactly as the root
 * `pnpm m2m` script runs it. Only PATH is inherited from this environment.
 */
export function spawnCli(
  args: string[],
  options: RunOptions & { onSpawn?: (child: ReturnType<typeof spawn>) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@m2m/source', sourceLauncher, ...args], {
      cwd: options.cwd ?? tempDir(),
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      options.onStdout?.(stdout)
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('close', (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr })
    })
    child.stdin.end(options.stdin ?? '')
    options.onSpawn?.(child)
  })
}

/** Resolves once `predicate` holds for the latest output (polled by the callers' writes). */
export function outputWatcher(predicate: (output: string) => boolean) {
  let resolveSeen: () => void = () => {}
  const seen = new Promise<void>((resolve) => {
    resolveSeen = resolve
  })
  return {
    seen,
    onStdout(output: string) {
      if (predicate(output)) resolveSeen()
    },
  }
}

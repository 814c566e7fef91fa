import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

/**
 * Runs PGlite's initdb for a new data directory in a short-lived child process.
 *
 * Why: initdb is a second WebAssembly program whose memory grows past 600 MiB
 * while it runs, and a process that ran it keeps most of that (measured here:
 * 780 MiB RSS after opening a new directory in-process, 590 MiB even after
 * closing it and collecting garbage; a worker thread keeps 240 MiB). In a
 * child that exits, all of it goes back to the system, and the service then
 * opens an initialized directory like any later start.
 */
export async function initDataDirInChildProcess(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return
  // Resolved here, so the child needs no file of ours (the same from src, dist and tests).
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite')
  const script = `
    const [path, dir] = process.argv.slice(1)
    require(path).PGlite.create({ dataDir: dir }).then((db) => db.close()).catch((error) => {
      console.error(error)
      process.exitCode = 1
    })
  `
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--eval', script, pglite, dir],
      { timeout: 120_000, maxBuffer: 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (!error) return resolve()
        const detail = stderr.trim().split('\n').slice(-3).join(' ')
        reject(new Error(`initdb of ${dir} failed: ${detail || error.message}`, { cause: error }))
      },
    )
  })
}

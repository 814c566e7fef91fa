import { fork } from 'node:child_process'
import type { LoadJob } from './load-process.js'
import type { LoadFigures } from './report.js'

/** Runs the load in a child process; resolves with its figures. */
export function runLoad(job: LoadJob): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./load-process.js', import.meta.url), {
      // The job holds a token: passed in the environment of our own child, never on its command line.
      env: { ...process.env, SOAK_LOAD_JOB: JSON.stringify(job) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let settled = false
    child.once('message', (message: { figures?: LoadFigures; error?: string }) => {
      settled = true
      if (message.figures) resolve(message.figures)
      else reject(new Error(`the load generator failed: ${message.error}`))
      child.disconnect()
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`the load generator exited (${code}) without figures`))
    })
  })
}

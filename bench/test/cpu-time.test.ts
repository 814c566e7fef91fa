import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { processCpuMicros, untilQuiet } from '../src/runner/cpu-time.js'

const children: ReturnType<typeof spawn>[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

/**
 * A node process that spins until it has used `busyMs` of CPU time, then
 * sleeps until killed. By CPU time, not the clock: on a busy machine (other
 * tests, other packages' tests) a spinner gets less than a core.
 */
async function busyThenIdle(busyMs: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `process.stdout.write('up\\n'); const used = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }; while (used() < ${busyMs}); setInterval(() => {}, 60000)`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  children.push(child)
  await once(child.stdout as NodeJS.ReadableStream, 'data')
  return child.pid as number
}

describe('until a process is quiet', () => {
  it('waits while the process keeps a core busy, and answers once it idles', async () => {
    const pid = await busyThenIdle(2_500)
    const quieting = await untilQuiet(pid, { timeoutMs: 20_000 })
    expect(quieting.quiet).toBe(true)
    expect(quieting.lastShare).toBeLessThan(0.05)
    // It spun for 2.5 s of CPU, so at least as long by the clock: the seconds it saw busy, then one quiet second.
    expect(quieting.waitedMs).toBeGreaterThanOrEqual(2_000)
    expect(await processCpuMicros(pid)).toBeGreaterThanOrEqual(2_000_000)
  }, 30_000)

  it('gives up after its timeout on a process that stays busy', async () => {
    const pid = await busyThenIdle(60_000)
    const quieting = await untilQuiet(pid, { timeoutMs: 1_500 })
    expect(quieting.quiet).toBe(false)
    // Not quiet by the same bound; a busy CI machine may give the spinner well under a core.
    expect(quieting.lastShare).toBeGreaterThanOrEqual(0.05)
    expect(quieting.waitedMs).toBeGreaterThanOrEqual(1_500)
  }, 30_000)

  it('says not quiet for a process it cannot read', async () => {
    const quieting = await untilQuiet(2 ** 30)
    expect(quieting.quiet).toBe(false)
  })
})

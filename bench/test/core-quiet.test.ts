import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { coreTimesOf, untilCoreQuiet } from '../src/runner/core-quiet.js'

const children: ReturnType<typeof spawn>[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

const STAT = `cpu  7662446 4288 2028091 3014759 10932 0 359207 0 0 0
cpu0 4191990 2076 994625 1148965 2701 0 207942 0 0 0
cpu1 3470456 2211 1033465 1865793 8230 0 151264 0 0 0
intr 1 2 3
`

describe("a core's times from /proc/stat", () => {
  it('adds user, nice, system, irq and softirq as busy; idle and iowait to the total only', () => {
    expect(coreTimesOf(STAT, '1')).toEqual({
      busy: 3470456 + 2211 + 1033465 + 0 + 151264,
      total: 3470456 + 2211 + 1033465 + 0 + 151264 + 1865793 + 8230,
    })
  })

  it('reads the line of that core, not the sum line nor a core whose number starts the same', () => {
    expect(coreTimesOf(STAT, '0')?.busy).toBe(4191990 + 2076 + 994625 + 207942)
    expect(coreTimesOf(`${STAT}cpu10 1 1 1 1 1 1 1 0 0 0\n`, '1')?.busy).toBe(
      3470456 + 2211 + 1033465 + 151264,
    )
  })

  it('has nothing for a core it does not list, or a line cut short', () => {
    expect(coreTimesOf(STAT, '7')).toBeUndefined()
    expect(coreTimesOf('cpu0 1 2 3\n', '0')).toBeUndefined()
  })
})

describe('until a core is quiet', () => {
  it('waits while a process keeps the core busy', async () => {
    const spinner = spawn(
      'taskset',
      [
        '-c',
        '0',
        process.execPath,
        '-e',
        `process.stdout.write('up\\n'); const end = Date.now() + 3000; while (Date.now() < end);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    children.push(spinner)
    // No taskset, or no core 0 to pin to: a clear failure rather than a timeout.
    const gone = once(spinner, 'exit').then(([code]) => {
      throw new Error(`the spinner exited (${code}) before it spun`)
    })
    await Promise.race([once(spinner.stdout as NodeJS.ReadableStream, 'data'), gone])
    gone.catch(() => {})
    // Other work on the core can only keep it busier: how long it waits is bounded below only.
    const quieting = await untilCoreQuiet('0', { timeoutMs: 1_500 })
    expect(quieting.quiet).toBe(false)
    expect(quieting.lastShare).toBeGreaterThanOrEqual(0.1)
    expect(quieting.waitedMs).toBeGreaterThanOrEqual(1_500)
  }, 30_000)

  it('says not quiet, at once, for a core the machine does not have', async () => {
    const quieting = await untilCoreQuiet('4096')
    expect(quieting.quiet).toBe(false)
    expect(quieting.waitedMs).toBeLessThan(1_000)
  })
})

import { describe, expect, it } from 'vitest'
import { createAutovacuum } from '../src/store/pglite-autovacuum.js'

describe('the PGlite autovacuum', () => {
  it('runs after baseWrites + share × writes so far: often while small, then rarely', async () => {
    const runs: number[] = []
    let writes = 0
    const vacuum = createAutovacuum({
      baseWrites: 100,
      share: 0.5,
      vacuum: async () => {
        runs.push(writes)
      },
    })
    for (writes = 1; writes <= 2_000; writes++) {
      vacuum.wrote()
      await vacuum.idle()
    }
    // Due when writes since the last run reach 100 + 0.5 × all writes: gaps of 200, 400, 800.
    expect(runs).toEqual([200, 600, 1_400])
  })

  it('counts rows, not statements: rows written 32 at a time bring each run as soon as one by one', async () => {
    const runs: number[] = []
    let rows = 0
    const vacuum = createAutovacuum({
      baseWrites: 100,
      share: 0.5,
      vacuum: async () => {
        runs.push(rows)
      },
    })
    while (rows < 2_000) {
      rows += 32
      vacuum.wrote(32)
      await vacuum.idle()
    }
    // As above, each run once the rows since the last reach 100 + half of all rows, checked
    // after each batch: one by one that is at 200, 600 and 1,400 rows.
    expect(runs).toEqual([224, 672, 1_568])
  })

  it('never runs two at once, and idle() waits for the one running', async () => {
    let running = 0
    let most = 0
    let release: (() => void) | undefined
    const vacuum = createAutovacuum({
      baseWrites: 1,
      share: 0,
      vacuum: () => {
        running++
        most = Math.max(most, running)
        return new Promise<void>((resolve) => {
          release = () => {
            running--
            resolve()
          }
        })
      },
    })
    for (let i = 0; i < 50; i++) vacuum.wrote()
    expect(most).toBe(1)
    let idle = false
    const waiting = vacuum.idle().then(() => {
      idle = true
    })
    await Promise.resolve()
    expect(idle).toBe(false)
    release?.()
    await waiting
    expect(idle).toBe(true)
  })

  it('a failed vacuum is reported, and the next one still runs', async () => {
    const errors: unknown[] = []
    let calls = 0
    const vacuum = createAutovacuum({
      baseWrites: 1,
      share: 0,
      vacuum: async () => {
        calls++
        if (calls === 1) throw new Error('disk full')
      },
      onError: (error) => errors.push(error),
    })
    vacuum.wrote()
    await vacuum.idle()
    vacuum.wrote()
    await vacuum.idle()
    expect(calls).toBe(2)
    expect(errors).toEqual([new Error('disk full')])
  })
})

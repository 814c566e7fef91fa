import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parsePerfStatCsv, startPerfStat } from '../src/runner/perf-stat.js'

describe('perf stat', () => {
  it('reads each counted event of `perf stat -x ,`, leaving out those it could not count', () => {
    const output = [
      '',
      '1234567,,raw_syscalls:sys_enter,40012345678,100.00,,',
      '<not counted>,,syscalls:sys_enter_writev,0,100.00,,',
      '976,,page-faults,40012345678,100.00,,',
      '<not supported>,,cycles,0,100.00,,',
      '',
    ].join('\n')
    expect([...parsePerfStatCsv(output)]).toEqual([
      ['raw_syscalls:sys_enter', 1_234_567],
      ['page-faults', 976],
    ])
  })

  it('reports a perf that could not start when stopped, not as an unhandled rejection', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      const stat = startPerfStat(process.pid)
      await new Promise((resolve) => setTimeout(resolve, 50))
      await expect(stat.stop()).rejects.toThrow(/ENOENT/)
    } finally {
      process.env.PATH = path
    }
  })

  // perf comes with linux-perf (installed by .ci/run).
  it("counts a busy process's system calls until stopped", async () => {
    const child = spawn(process.execPath, [
      '-e',
      "const fs = require('node:fs'); setInterval(() => { for (let i = 0; i < 200; i++) fs.statSync('.') }, 10)",
    ])
    try {
      const stat = startPerfStat(child.pid as number)
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      const counts = await stat.stop()
      expect(counts.get('raw_syscalls:sys_enter')).toBeGreaterThan(1_000)
      expect(counts.has('context-switches')).toBe(true)
    } finally {
      child.kill()
    }
  })
})

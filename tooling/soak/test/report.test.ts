import { describe, expect, it } from 'vitest'
import { buildReport, formatReport, type LoadFigures } from '../src/report.js'

const load = (overrides: Partial<LoadFigures> = {}): LoadFigures => ({
  durationS: 10,
  connections: 64,
  requests: 12_000,
  statusCodes: { '200': 8_000, '201': 3_000, '202': 1_000 },
  socketErrors: 0,
  timeouts: 0,
  latencyMs: { p50: 20, p99: 90, max: 300 },
  ...overrides,
})

const memory = [
  {
    service: 'auth-server',
    pid: 11,
    startKiB: 102_400,
    peakKiB: 110_000,
    halfKiB: 104_448,
    endKiB: 104_448,
    cpuS: 0.5,
  },
  {
    service: 'gift-deliveries',
    pid: 13,
    startKiB: 409_600,
    peakKiB: 480_000,
    halfKiB: 440_320,
    endKiB: 460_800,
    cpuS: 9.5,
  },
]

describe('buildReport', () => {
  it('counts 200, 201 and 202 as successes: ok, 0 errors, requests per second, RSS in MiB', () => {
    const report = buildReport(load(), memory)
    expect(report).toMatchObject({
      ok: true,
      requests: 12_000,
      requestsPerSecond: 1_200,
      errors: { non2xx: 0, socket: 0, timeouts: 0, total: 0 },
    })
    expect(report.memory).toEqual([
      {
        service: 'auth-server',
        pid: 11,
        startMiB: 100,
        peakMiB: 107.4,
        halfMiB: 102,
        endMiB: 102,
        cpuPercent: 5,
      },
      {
        service: 'gift-deliveries',
        pid: 13,
        startMiB: 400,
        peakMiB: 468.8,
        halfMiB: 430,
        endMiB: 450,
        cpuPercent: 95,
      },
    ])
  })

  it('fails on any non-2xx status, socket error or timeout, counting each', () => {
    const report = buildReport(
      load({ statusCodes: { '201': 100, '401': 2, '503': 3 }, socketErrors: 4, timeouts: 1 }),
      memory,
    )
    expect(report.ok).toBe(false)
    expect(report.errors).toEqual({ non2xx: 5, socket: 4, timeouts: 1, total: 10 })
  })

  it('fails when no request was answered at all', () => {
    const report = buildReport(load({ requests: 0, statusCodes: {} }), memory)
    expect(report.ok).toBe(false)
    expect(formatReport(report)).toContain('soak FAILED: no request was answered')
  })
})

describe('formatReport', () => {
  it('prints the load, the statuses, each process memory at start, peak and end, and the verdict', () => {
    const text = formatReport(buildReport(load(), memory))
    expect(text).toContain('200: 8000, 201: 3000, 202: 1000')
    expect(text).toMatch(/requests\/s\s+1200/)
    expect(text).toMatch(
      /gift-deliveries\s+13\s+400\.0\s+430\.0\s+468\.8\s+450\.0\s+50\.0\s+20\.0\s+95/,
    )
    expect(text).toContain('soak passed: 12000 requests, 0 errors')
  })

  it('says how many requests failed', () => {
    const text = formatReport(
      buildReport(load({ statusCodes: { '201': 10, '500': 2 }, socketErrors: 1 }), memory),
    )
    expect(text).toContain('soak FAILED: 3 of 12001 requests failed')
  })
})

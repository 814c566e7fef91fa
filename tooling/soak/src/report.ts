/** What the load generator measured (autocannon's result, reduced). */
export interface LoadFigures {
  /** Seconds the load actually ran. */
  durationS: number
  connections: number
  /** Responses received. */
  requests: number
  /** Responses by HTTP status. */
  statusCodes: Record<string, number>
  /** Socket errors (refused, reset) and timeouts: requests with no response. */
  socketErrors: number
  timeouts: number
  latencyMs: { p50: number; p99: number; max: number }
}

/** RSS of one process, sampled before the load, every second during it, and after it. */
export interface MemoryFigures {
  service: string
  pid: number
  startKiB: number
  peakKiB: number
  /** At half time of the load. */
  halfKiB: number
  endKiB: number
  /** CPU seconds (user + system) it used during the load. */
  cpuS: number
}

export interface SoakReport {
  durationS: number
  connections: number
  requests: number
  requestsPerSecond: number
  statusCodes: Record<string, number>
  errors: { non2xx: number; socket: number; timeouts: number; total: number }
  latencyMs: { p50: number; p99: number; max: number }
  memory: Array<{
    service: string
    pid: number
    startMiB: number
    peakMiB: number
    /** At half time: `endMiB - halfMiB` is the growth over the second half. */
    halfMiB: number
    endMiB: number
    /** Share of one core it used during the load, in percent. */
    cpuPercent: number
  }>
  /** True when requests were made and none failed. */
  ok: boolean
}

const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10

/** The report: every non-2xx status (202 is a success), socket error and timeout counts as an error. */
export function buildReport(load: LoadFigures, memory: readonly MemoryFigures[]): SoakReport {
  let non2xx = 0
  for (const [status, count] of Object.entries(load.statusCodes)) {
    if (!/^2\d\d$/.test(status)) non2xx += count
  }
  const total = non2xx + load.socketErrors + load.timeouts
  return {
    durationS: load.durationS,
    connections: load.connections,
    requests: load.requests,
    requestsPerSecond: load.durationS > 0 ? Math.round(load.requests / load.durationS) : 0,
    statusCodes: { ...load.statusCodes },
    errors: { non2xx, socket: load.socketErrors, timeouts: load.timeouts, total },
    latencyMs: { ...load.latencyMs },
    memory: memory.map((m) => ({
      service: m.service,
      pid: m.pid,
      startMiB: mib(m.startKiB),
      peakMiB: mib(m.peakKiB),
      halfMiB: mib(m.halfKiB),
      endMiB: mib(m.endKiB),
      cpuPercent: load.durationS > 0 ? Math.round((m.cpuS / load.durationS) * 100) : 0,
    })),
    ok: load.requests > 0 && total === 0,
  }
}

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? []
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
  const [header, ...body] = rows
  return [line(header ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join(
    '\n',
  )
}

/** The report as text tables, for a terminal or a CI log. */
export function formatReport(report: SoakReport): string {
  const statuses = Object.entries(report.statusCodes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ')
  const load = table([
    ['load', 'value'],
    ['duration (s)', String(report.durationS)],
    ['connections', String(report.connections)],
    ['requests', String(report.requests)],
    ['requests/s', String(report.requestsPerSecond)],
    ['statuses', statuses || '-'],
    [
      'latency p50 / p99 / max (ms)',
      `${report.latencyMs.p50} / ${report.latencyMs.p99} / ${report.latencyMs.max}`,
    ],
    ['errors: non-2xx', String(report.errors.non2xx)],
    ['errors: socket', String(report.errors.socket)],
    ['errors: timeouts', String(report.errors.timeouts)],
    ['errors: total', String(report.errors.total)],
  ])
  const memory = table([
    [
      'process (RSS MiB)',
      'pid',
      'start',
      'half time',
      'peak',
      'end',
      'end - start',
      '2nd half',
      'CPU % of a core',
    ],
    ...report.memory.map((m) => [
      m.service,
      String(m.pid),
      m.startMiB.toFixed(1),
      m.halfMiB.toFixed(1),
      m.peakMiB.toFixed(1),
      m.endMiB.toFixed(1),
      (m.endMiB - m.startMiB).toFixed(1),
      (m.endMiB - m.halfMiB).toFixed(1),
      String(m.cpuPercent),
    ]),
  ])
  const verdict = report.ok
    ? `soak passed: ${report.requests} requests, 0 errors`
    : report.requests === 0
      ? 'soak FAILED: no request was answered'
      : `soak FAILED: ${report.errors.total} of ${report.requests + report.errors.socket + report.errors.timeouts} requests failed`
  return `${load}\n\n${memory}\n\n${verdict}\n`
}

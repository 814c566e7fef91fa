export interface OperationResult {
  operation: string
  calls: number
  qps: number
  p50Us: number
  p99Us: number
}

/** Runs `calls` round after round until about `total` calls, each timed; after one warm-up round. */
export function measure(
  operation: string,
  calls: Array<() => unknown>,
  total: number,
): OperationResult {
  for (const call of calls) call()
  const rounds = Math.max(1, Math.ceil(total / calls.length))
  const latencies = new Float64Array(calls.length * rounds)
  let n = 0
  const started = process.hrtime.bigint()
  for (let round = 0; round < rounds; round++) {
    for (const call of calls) {
      const t0 = process.hrtime.bigint()
      call()
      latencies[n++] = Number(process.hrtime.bigint() - t0) / 1000
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  latencies.sort()
  const at = (q: number) => latencies[Math.min(n - 1, Math.floor(q * n))] ?? 0
  return {
    operation,
    calls: n,
    qps: Math.round(n / seconds),
    p50Us: Math.round(at(0.5) * 10) / 10,
    p99Us: Math.round(at(0.99) * 10) / 10,
  }
}

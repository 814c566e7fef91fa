import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'
import type { Meter } from '@opentelemetry/api'

/**
 * The process instruments (what prom-client's default metrics gave, under the
 * OpenTelemetry semantic-convention names): CPU time by mode, resident memory,
 * V8 heap used and reserved per space, event-loop delay percentiles and
 * utilization since the previous collection, and uptime. Read only when
 * metrics are collected; returns the function that stops the event-loop monitor.
 */
export function observeProcess(meter: Meter): () => void {
  const cpu = meter.createObservableCounter('process.cpu.time', {
    description: 'CPU seconds used by the process, by mode (user, system)',
    unit: 's',
  })
  const memory = meter.createObservableUpDownCounter('process.memory.usage', {
    description: 'Resident set size of the process',
    unit: 'By',
  })
  const heapUsed = meter.createObservableUpDownCounter('v8js.memory.heap.used', {
    description: 'V8 heap in use, by heap space (their sum is heapUsed)',
    unit: 'By',
  })
  const heapLimit = meter.createObservableUpDownCounter('v8js.memory.heap.limit', {
    description: 'V8 heap reserved, by heap space (their sum is heapTotal)',
    unit: 'By',
  })
  const delay = (name: string, what: string) =>
    meter.createObservableGauge(`nodejs.eventloop.delay.${name}`, {
      description: `${what} event-loop delay since the previous collection`,
      unit: 's',
    })
  const delays = {
    min: delay('min', 'Smallest'),
    max: delay('max', 'Largest'),
    mean: delay('mean', 'Mean'),
    p50: delay('p50', 'Median'),
    p90: delay('p90', '90th percentile'),
    p99: delay('p99', '99th percentile'),
  }
  const utilization = meter.createObservableGauge('nodejs.eventloop.utilization', {
    description: 'Share of the time the event loop was busy since the previous collection',
    unit: '1',
  })
  const uptime = meter.createObservableGauge('process.uptime', {
    description: 'Seconds since the process started',
    unit: 's',
  })

  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  let lastUtilization = performance.eventLoopUtilization()

  meter.addBatchObservableCallback(
    (result) => {
      const usage = process.cpuUsage()
      result.observe(cpu, usage.user / 1e6, { 'cpu.mode': 'user' })
      result.observe(cpu, usage.system / 1e6, { 'cpu.mode': 'system' })
      result.observe(memory, process.memoryUsage.rss())
      for (const space of getHeapSpaceStatistics()) {
        const attributes = { 'v8js.heap.space.name': space.space_name }
        result.observe(heapUsed, space.space_used_size, attributes)
        result.observe(heapLimit, space.space_size, attributes)
      }
      // The histogram is in nanoseconds; before the first sample its min is huge and its mean NaN.
      if (loop.count > 0) {
        result.observe(delays.min, loop.min / 1e9)
        result.observe(delays.max, loop.max / 1e9)
        result.observe(delays.mean, loop.mean / 1e9)
        result.observe(delays.p50, loop.percentile(50) / 1e9)
        result.observe(delays.p90, loop.percentile(90) / 1e9)
        result.observe(delays.p99, loop.percentile(99) / 1e9)
      }
      loop.reset()
      const now = performance.eventLoopUtilization()
      result.observe(
        utilization,
        performance.eventLoopUtilization(now, lastUtilization).utilization,
      )
      lastUtilization = now
      result.observe(uptime, process.uptime())
    },
    [cpu, memory, heapUsed, heapLimit, ...Object.values(delays), utilization, uptime],
  )
  return () => loop.disable()
}

import { trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { installedTracer } from '../../src/telemetry/index.js'

afterEach(() => {
  trace.disable()
})

function sdk() {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  return { exporter, provider }
}

describe('installedTracer', () => {
  it('is undefined while no SDK is behind the global proxy, and follows one registered later', () => {
    for (const givenNow of [() => undefined, () => trace.getTracerProvider()]) {
      const given = givenNow()
      const tracer = installedTracer(given, 'scope-a', '1.2.3')
      expect(tracer()).toBeUndefined()
      const { exporter, provider } = sdk()
      expect(trace.setGlobalTracerProvider(provider)).toBe(true)
      const span = tracer()?.startSpan('late')
      expect(span?.isRecording()).toBe(true)
      span?.end()
      const [finished] = exporter.getFinishedSpans() as ReadableSpan[]
      expect(finished?.instrumentationScope).toMatchObject({ name: 'scope-a', version: '1.2.3' })
      // Taken once per provider, not per call.
      const getTracer = vi.spyOn(provider, 'getTracer')
      tracer()
      tracer()
      expect(getTracer).not.toHaveBeenCalled()
      const before = tracer()
      trace.disable()
      // The global provider is read on each call; a proxy once given keeps its SDK (the API's rule).
      if (given === undefined) expect(tracer()).toBeUndefined()
      else expect(tracer()).toBe(before)
    }
  })

  it("a provider of one's own is used as given, SDK or none behind the global proxy", () => {
    const { exporter, provider } = sdk()
    const getTracer = vi.spyOn(provider, 'getTracer')
    const tracer = installedTracer(provider, 'scope-b')
    tracer()?.startSpan('own').end()
    const global = sdk()
    expect(trace.setGlobalTracerProvider(global.provider)).toBe(true)
    tracer()?.startSpan('own, with a global SDK').end()
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual([
      'own',
      'own, with a global SDK',
    ])
    expect(global.exporter.getFinishedSpans()).toEqual([])
    expect(getTracer).toHaveBeenCalledTimes(1)
  })
})

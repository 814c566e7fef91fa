import { trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
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
      expect(tracer()).toBe(tracer())
      const before = tracer()
      trace.disable()
      // The global provider is read on each call; a proxy once given keeps its SDK (the API's rule).
      if (given === undefined) expect(tracer()).toBeUndefined()
      else expect(tracer()).toBe(before)
    }
  })

  it("a provider of one's own is used as given, SDK or none behind the global proxy", () => {
    const { exporter, provider } = sdk()
    const tracer = installedTracer(provider, 'scope-b')
    tracer()?.startSpan('own').end()
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['own'])
    expect(tracer()).toBe(tracer())
  })
})

import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { metrics, trace } from '@opentelemetry/api'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import Fastify from 'fastify'
import { Agent, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import m2mAuth from '../../src/fastify/index.js'
import { createBearerInterceptor } from '../../src/http/index.js'
import * as names from '../../src/telemetry/index.js'
import { createTokenProvider } from '../../src/token/index.js'
import { createVerifier } from '../../src/verify/index.js'
import { generateRsaKey, startJwksServer } from '../helpers/jwks-server.js'
import { signJwt } from '../helpers/sign-jwt.js'
import { providerOptionsFor, startTokenServer } from '../helpers/token-server.js'

const packageJson = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string; exports: Record<string, unknown> }
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const telemetrySection = readme.slice(
  readme.indexOf('## Telemetry'),
  readme.indexOf('\n## ', readme.indexOf('## Telemetry') + 1),
)
const key = generateRsaKey('key-1')
const cleanups: Array<() => Promise<unknown> | unknown> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A token endpoint, a JWKS, and a downstream service that records the headers it gets. */
async function startSystem() {
  const tokens = await startTokenServer()
  const jwks = await startJwksServer(key)
  const seen: IncomingHttpHeaders[] = []
  const downstream = createServer((req, res) => {
    seen.push(req.headers)
    res.end('ok')
  })
  await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`
  cleanups.push(
    () => tokens.close(),
    () => jwks.close(),
    () => new Promise((resolve) => downstream.close(resolve)),
  )
  return { tokens, jwks, origin, seen }
}

function signFor(issuer: string) {
  const now = Math.floor(Date.now() / 1000)
  return signJwt({
    header: { alg: 'RS256', kid: key.kid },
    payload: { iss: issuer, aud: 'urn:api', sub: 'c@clients', iat: now, exp: now + 600 },
    key: key.privateKey,
  })
}

/** Every component with no `telemetry` option, end to end. */
async function exerciseEverything() {
  const { tokens, jwks, origin, seen } = await startSystem()
  const provider = createTokenProvider(providerOptionsFor(tokens, 'secret-0123456789'))
  const agent = new Agent().compose(createBearerInterceptor(provider, { origins: origin }))
  const verifier = createVerifier({ issuer: jwks.issuer, audience: 'urn:api' })
  const app = Fastify()
  await app.register(m2mAuth, { issuer: jwks.issuer, audience: 'urn:api' })
  app.get('/me', async () => ({ ok: true }))
  cleanups.push(
    () => provider.close(),
    () => agent.close(),
    () => verifier.close(),
    () => app.close(),
  )

  await expect(provider.getToken()).resolves.toBe('token-1')
  await expect(provider.getToken()).resolves.toBe('token-1')
  const response = await request(`${origin}/x`, { dispatcher: agent })
  await response.body.dump()
  expect(response.statusCode).toBe(200)
  const token = signFor(jwks.issuer)
  await expect(verifier.verify(token)).resolves.toMatchObject({ clientId: 'c' })
  await expect(verifier.verify('garbage')).rejects.toThrow()
  expect((await app.inject({ url: '/me' })).statusCode).toBe(401)
  expect(
    (await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })).statusCode,
  ).toBe(200)
  return { seen }
}

describe('with no SDK installed and no telemetry option', () => {
  it('every component works, records into the no-op API, and sends no trace context', async () => {
    expect(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording()).toBe(false)
    const { seen } = await exerciseEverything()
    expect(seen[0]?.authorization).toBe('Bearer token-1')
    expect(seen[0]?.traceparent).toBeUndefined()
  })
})

describe('with an SDK registered globally and no telemetry option', () => {
  it('records through the global meter and tracer providers', async () => {
    class Reader extends MetricReader {
      protected async onForceFlush() {}
      protected async onShutdown() {}
    }
    const reader = new Reader()
    const exporter = new InMemorySpanExporter()
    const meterProvider = new MeterProvider({ readers: [reader] })
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    })
    expect(metrics.setGlobalMeterProvider(meterProvider)).toBe(true)
    expect(trace.setGlobalTracerProvider(tracerProvider)).toBe(true)
    cleanups.push(
      () => metrics.disable(),
      () => trace.disable(),
      () => meterProvider.shutdown(),
    )

    await exerciseEverything()

    const { resourceMetrics } = await reader.collect()
    const recorded = resourceMetrics.scopeMetrics
      .filter((scope) => scope.scope.name === '@m2m/auth')
      .flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name))
    expect(recorded).toEqual(
      expect.arrayContaining([
        names.METRIC_TOKEN_CACHE_LOOKUPS,
        names.METRIC_TOKEN_EXCHANGES,
        names.METRIC_TOKEN_REQUESTS,
        names.METRIC_TOKEN_EXCHANGE_DURATION,
        names.METRIC_JWT_VERIFICATIONS,
        names.METRIC_JWKS_FETCHES,
        names.METRIC_JWKS_FETCH_DURATION,
        names.METRIC_HTTP_SERVER_AUTH_REJECTIONS,
      ]),
    )
    const spans = exporter.getFinishedSpans().map((span) => span.name)
    expect(spans).toEqual(expect.arrayContaining([names.SPAN_TOKEN_EXCHANGE, 'HTTP GET']))
  })
})

describe('the telemetry option', () => {
  const components: Array<[string, (telemetry: unknown) => unknown]> = [
    [
      'createTokenProvider',
      (telemetry) =>
        createTokenProvider({
          issuer: 'https://tenant.example/',
          clientId: 'c',
          clientSecret: 's',
          telemetry: telemetry as never,
        }),
    ],
    [
      'createVerifier',
      (telemetry) =>
        createVerifier({
          issuer: 'https://tenant.example/',
          audience: 'urn:api',
          telemetry: telemetry as never,
        }),
    ],
    [
      'createBearerInterceptor',
      (telemetry) =>
        createBearerInterceptor(
          { getToken: async () => 't', invalidate: () => {} },
          { origins: 'https://api.example', telemetry: telemetry as never },
        ),
    ],
    [
      'the Fastify plugin',
      async (telemetry) => {
        const app = Fastify()
        try {
          await app.register(m2mAuth, {
            verifier: { verify: async () => ({}) as never, close: async () => {} },
            telemetry: telemetry as never,
          })
          await app.ready()
        } finally {
          await app.close()
        }
      },
    ],
  ]
  const invalid: Array<[string, unknown, RegExp]> = [
    ['not an object', 'yes', /telemetry must be an object/],
    ['an unknown key', { meterprovider: {} }, /telemetry has an unknown option: meterprovider/],
    ['a meterProvider without getMeter', { meterProvider: {} }, /telemetry\.meterProvider must be/],
    [
      'a tracerProvider without getTracer',
      { tracerProvider: { getMeter() {} } },
      /telemetry\.tracerProvider must be/,
    ],
  ]
  for (const [component, create] of components) {
    for (const [name, value, message] of invalid) {
      it(`${component} refuses ${name}`, async () => {
        const attempt = async () => create(value)
        await expect(attempt()).rejects.toMatchObject({
          code: 'AUTH_ERR_INVALID_OPTION',
          message: expect.stringMatching(message),
        })
      })
    }
  }
})

describe('names', () => {
  it('the instrumentation scope is @m2m/auth at the package version', () => {
    expect(names.INSTRUMENTATION_SCOPE).toBe('@m2m/auth')
    expect(names.INSTRUMENTATION_VERSION).toBe(packageJson.version)
  })

  it('@m2m/auth/telemetry is exported like the other subpaths', () => {
    expect(packageJson.exports['./telemetry']).toEqual({
      '@m2m/source': './src/telemetry/index.ts',
      types: './dist/telemetry/index.d.ts',
      default: './dist/telemetry/index.js',
    })
  })

  const documented = Object.entries(names).filter(
    ([name]) => name.startsWith('METRIC_') || name.startsWith('SPAN_TOKEN'),
  ) as Array<[string, string]>
  for (const [constant, value] of documented) {
    it(`${constant} (${value}) has a row in the README's Telemetry section`, () => {
      expect(telemetrySection).toMatch(
        new RegExp(`\\|\\s*\`${value.replace(/\./g, '\\.')}\`\\s*\\|`),
      )
    })
  }
  const reasons = [
    ...Object.values(names.VERIFICATION_REASONS),
    ...Object.values(names.REJECTION_REASONS),
    ...Object.values(names.EXCHANGE_ERRORS),
  ]
  for (const reason of reasons) {
    it(`the code ${reason} has a row in the README's Telemetry section`, () => {
      expect(telemetrySection).toMatch(new RegExp(`\\|\\s*\`${reason}\`\\s*\\|`))
    })
  }
})

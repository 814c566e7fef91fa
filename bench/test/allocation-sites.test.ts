import { describe, expect, it } from 'vitest'
import { packageOf, perRequestByPackage, sitesAbove } from '../src/runner/allocation-sites.js'

describe('allocation sites', () => {
  it('names the package of a site from its script URL', () => {
    const cases: Array<[string, string]> = [
      ['(V8 API) :0', 'V8 and native code'],
      ['parserOnIncoming node:_http_server:1026', 'Node.js'],
      [
        'hookRunner file:///w/node_modules/.pnpm/fastify@5.6.2/node_modules/fastify/lib/hooks.js:231',
        'fastify',
      ],
      [
        'record file:///w/node_modules/.pnpm/@opentelemetry+sdk-metrics@2.0.0/node_modules/@opentelemetry/sdk-metrics/build/src/x.js:10',
        '@opentelemetry/sdk-metrics',
      ],
      ['get value file:///w/packages/auth/src/verify/verifier.ts:186', '@m2m/auth'],
      ['(anonymous) file:///w/apps/world-mappers/src/routes/me.ts:7', '@m2m/world-mappers'],
      ['main file:///w/bench/src/servers/serve-variant.ts:5', '@m2m/bench'],
      ['x file:///elsewhere/x.js:1', 'other'],
    ]
    for (const [site, name] of cases) expect(packageOf(site), site).toBe(name)
  })

  it('sums bytes per request by package, and lists what a side allocates above another', () => {
    const ours = {
      'a node:_http_server:1': 8_000,
      'b file:///w/node_modules/fastify/lib/hooks.js:2': 3_000,
      'c file:///w/packages/auth/src/x.ts:3': 1_000,
    }
    const base = {
      'a node:_http_server:1': 8_000,
      'b file:///w/node_modules/fastify/lib/hooks.js:2': 1_000,
    }
    expect(perRequestByPackage(ours, 10)).toEqual({
      'Node.js': 800,
      fastify: 300,
      '@m2m/auth': 100,
    })
    expect(sitesAbove(ours, 10, base, 10, 8)).toEqual([
      ['b file:///w/node_modules/fastify/lib/hooks.js:2', 200],
      ['c file:///w/packages/auth/src/x.ts:3', 100],
    ])
  })
})

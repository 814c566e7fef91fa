import { join } from 'node:path'
import { createVerifier } from '@m2m/auth/verify'
import { request } from 'undici'
import { BENCH_AUDIENCE, CLIENTS, secretOf } from '../runner/bench-tenant.js'
import { processCpuMicros } from '../runner/cpu-time.js'
import { count, describeLoad, ms, ratio, ratioValue } from '../runner/format.js'
import { benchScript } from '../runner/paths.js'
import { isMessage, startReadyChild } from '../runner/processes.js'
import { type Scenario, target } from '../runner/types.js'

const form = (secret: string) =>
  new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: CLIENTS.issuance,
    client_secret: secret,
    audience: BENCH_AUDIENCE,
  }).toString()

/**
 * Scenario 4: tokens per second from the tenant's /oauth/token (the tenant on
 * the server core, autocannon on the other) against raw RS256 signing with
 * node:crypto in a process on the same server core.
 */
export const issuance: Scenario = {
  id: '4',
  title: 'Local tenant issuance against raw RS256 signing',
  async run(context) {
    const { tenant, settings, load } = context
    const failures: string[] = []
    const url = `${tenant.issuer}oauth/token`
    const headers = { 'content-type': 'application/x-www-form-urlencoded' }

    // Check: the endpoint issues a token that verifies, and refuses a wrong secret.
    const token = await tenant.token(CLIENTS.issuance, BENCH_AUDIENCE)
    const verifier = createVerifier({ issuer: tenant.issuer, audience: BENCH_AUDIENCE })
    try {
      await verifier.verify(token)
    } finally {
      await verifier.close()
    }
    const refused = await request(url, { method: 'POST', headers, body: form('x'.repeat(43)) })
    await refused.body.dump()
    if (refused.statusCode !== 401) {
      failures.push(`a wrong client secret got ${refused.statusCode}, not 401`)
    }

    context.log('  /oauth/token')
    const job = {
      url,
      method: 'POST' as const,
      headers,
      body: form(secretOf(CLIENTS.issuance)),
      connections: settings.connections,
      warmupSeconds: 0,
    }
    if (settings.warmupSeconds > 0)
      await load.run({ ...job, durationSeconds: settings.warmupSeconds })
    const cpuBefore = await processCpuMicros(tenant.pid)
    const endpoint = await load.run({ ...job, durationSeconds: settings.durationSeconds })
    const cpuAfter = await processCpuMicros(tenant.pid)
    const endpointCpu =
      cpuBefore === undefined || cpuAfter === undefined || endpoint.total === 0
        ? Number.NaN
        : (cpuAfter - cpuBefore) / endpoint.total
    if (endpoint.non2xx + endpoint.errors - endpoint.timeouts > 0) {
      failures.push(
        `/oauth/token under load: ${endpoint.non2xx} non-2xx answers (${JSON.stringify(endpoint.statusCodes)}), ${endpoint.errors} errors`,
      )
    }

    context.log('  raw node:crypto signing')
    const { child } = await startReadyChild({
      name: 'raw-sign',
      script: benchScript('issuance/raw-sign.ts'),
      role: 'server',
    })
    let raw: { tokensPerSecond: number; signed: number; cpuMicrosPerToken: number }
    try {
      const answer = child.nextMessage(
        (
          m,
        ): m is {
          type: 'result'
          tokensPerSecond: number
          signed: number
          cpuMicrosPerToken: number
        } => isMessage(m, 'result'),
      )
      child.send({
        type: 'run',
        keyFile: join(tenant.dataDir, 'signing-keys.json'),
        claims: JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')),
        warmupSeconds: settings.warmupSeconds,
        durationSeconds: settings.durationSeconds,
      })
      raw = await answer
    } finally {
      await child.stop()
    }

    const issued = endpoint.requestsPerSecond
    return {
      tables: [
        {
          title: `RS256 tokens per second on the server core (/oauth/token: ${describeLoad(settings)})`,
          columns: [
            'issuer',
            'tokens/s',
            'p50 ms',
            'p99 ms',
            'vs raw',
            'CPU µs/token',
            'vs raw (CPU)',
          ],
          rows: [
            [
              'local tenant POST /oauth/token (form, client_secret_post)',
              count(issued),
              ms(endpoint.p50),
              ms(endpoint.p99),
              ratio(issued, raw.tokensPerSecond),
              count(endpointCpu),
              ratio(raw.cpuMicrosPerToken, endpointCpu),
            ],
            [
              'raw node:crypto RS256 sign, same claims',
              count(raw.tokensPerSecond),
              '-',
              '-',
              '1.00x',
              count(raw.cpuMicrosPerToken),
              '1.00x',
            ],
          ],
        },
      ],
      notes: [
        'the tenant runs apps/auth-server src/main.ts with the bench tenant (no Action), LOG_LEVEL=warn, token rate limits raised to 1,000,000/s',
        '"CPU µs/token" = the process\'s CPU time in the measured run / tokens (the tenant\'s from /proc, 10 ms resolution): "vs raw (CPU)" compares what a token costs, whatever else ran on the core meanwhile',
      ],
      failures,
      targets: [
        target('issuance / raw signing (tokens/s)', ratioValue(issued, raw.tokensPerSecond), 0.8),
        target(
          'issuance / raw signing (CPU per token)',
          ratioValue(raw.cpuMicrosPerToken, endpointCpu),
          0.8,
        ),
      ],
      measurements: { endpoint: { ...endpoint, cpuMicrosPerToken: endpointCpu }, raw },
    }
  },
}

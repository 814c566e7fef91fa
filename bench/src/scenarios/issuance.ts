import { join } from 'node:path'
import { createVerifier } from '@m2m/auth/verify'
import { request } from 'undici'
import { BENCH_AUDIENCE, CLIENTS, secretOf } from '../runner/bench-tenant.js'
import { processCpuMicros } from '../runner/cpu-time.js'
import { count, describeLoad, percent, ratio, spreadText } from '../runner/format.js'
import { benchScript } from '../runner/paths.js'
import { isMessage, startReadyChild } from '../runner/processes.js'
import { pairControl, ratioSpread, roundOrder, spread } from '../runner/rounds.js'
import { roundsTarget, type Scenario } from '../runner/types.js'

const form = (secret: string) =>
  new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: CLIENTS.issuance,
    client_secret: secret,
    audience: BENCH_AUDIENCE,
  }).toString()

interface RawResult {
  tokensPerSecond: number
  signed: number
  cpuMicrosPerToken: number
}

/**
 * Scenario 4: tokens per second from the tenant's /oauth/token (the tenant on
 * the server core, autocannon on the other) against raw RS256 signing with
 * node:crypto in a process on the same server core, in alternating rounds;
 * the raw loop runs twice per round, its own A/A control.
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

    const job = {
      url,
      method: 'POST' as const,
      headers,
      body: form(secretOf(CLIENTS.issuance)),
      connections: settings.connections,
      warmupSeconds: 0,
    }
    const { child } = await startReadyChild({
      name: 'raw-sign',
      script: benchScript('issuance/raw-sign.ts'),
      role: 'server',
    })
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
    const rawRun = async (warmupSeconds: number): Promise<RawResult> => {
      const answer = child.nextMessage(
        (m): m is { type: 'result' } & RawResult => isMessage(m, 'result'),
        (warmupSeconds + settings.durationSeconds) * 1000 + 30_000,
      )
      child.send({
        type: 'run',
        keyFile: join(tenant.dataDir, 'signing-keys.json'),
        claims,
        warmupSeconds,
        durationSeconds: settings.durationSeconds,
      })
      return answer
    }
    const endpointRun = async () => {
      const cpuBefore = await processCpuMicros(tenant.pid)
      const result = await load.run({ ...job, durationSeconds: settings.durationSeconds })
      const cpuAfter = await processCpuMicros(tenant.pid)
      if (result.non2xx + result.errors - result.timeouts > 0) {
        failures.push(
          `/oauth/token under load: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodes)}), ${result.errors} errors`,
        )
      }
      const cpu =
        cpuBefore === undefined || cpuAfter === undefined || result.total === 0
          ? Number.NaN
          : (cpuAfter - cpuBefore) / result.total
      return { tokensPerSecond: result.requestsPerSecond, cpuMicrosPerToken: cpu, p99: result.p99 }
    }

    const sides = ['endpoint', 'raw', 'raw-b'] as const
    const rounds = {
      endpoint: {
        tokensPerSecond: [] as number[],
        cpuMicrosPerToken: [] as number[],
        p99: [] as number[],
      },
      raw: { tokensPerSecond: [] as number[], cpuMicrosPerToken: [] as number[] },
      'raw-b': { tokensPerSecond: [] as number[], cpuMicrosPerToken: [] as number[] },
    }
    try {
      if (settings.warmupSeconds > 0) {
        await load.run({ ...job, durationSeconds: settings.warmupSeconds })
        await rawRun(settings.warmupSeconds)
      }
      for (let round = 0; round < settings.rounds; round++) {
        context.log(`  round ${round + 1}/${settings.rounds}`)
        for (const side of roundOrder(sides, round)) {
          if (side === 'endpoint') {
            const result = await endpointRun()
            rounds.endpoint.tokensPerSecond.push(result.tokensPerSecond)
            rounds.endpoint.cpuMicrosPerToken.push(result.cpuMicrosPerToken)
            rounds.endpoint.p99.push(result.p99)
          } else {
            const result = await rawRun(0)
            rounds[side].tokensPerSecond.push(result.tokensPerSecond)
            rounds[side].cpuMicrosPerToken.push(result.cpuMicrosPerToken)
          }
        }
      }
    } finally {
      await child.stop()
    }

    // The limit: the mean of the two raw runs in each round.
    const {
      control,
      floor,
      limit: rawLimit,
    } = pairControl(rounds.raw, rounds['raw-b'], ['cpuMicrosPerToken', 'tokensPerSecond'])
    const row = (
      label: string,
      figures: { tokensPerSecond: number[]; cpuMicrosPerToken: number[] },
    ) => [
      label,
      spreadText(spread(figures.cpuMicrosPerToken), count),
      spreadText(ratioSpread(rawLimit.cpuMicrosPerToken, figures.cpuMicrosPerToken), (r) =>
        ratio(r, 1),
      ),
      spreadText(spread(figures.tokensPerSecond), count),
      spreadText(ratioSpread(figures.tokensPerSecond, rawLimit.tokensPerSecond), (r) =>
        ratio(r, 1),
      ),
    ]
    return {
      tables: [
        {
          title: `RS256 tokens on the server core (/oauth/token: ${describeLoad(settings)}); ${settings.rounds} alternating round${settings.rounds === 1 ? '' : 's'}; A/A floor ±${percent(floor)}`,
          columns: ['issuer', 'CPU µs/token', 'vs raw (CPU)', 'tokens/s', 'vs raw (tokens/s)'],
          rows: [
            row('local tenant POST /oauth/token (form, client_secret_post)', rounds.endpoint),
            row('raw node:crypto RS256 sign, same claims', rounds.raw),
            row('raw signing again (A/A control)', rounds['raw-b']),
          ],
        },
      ],
      notes: [
        'the tenant runs apps/auth-server src/main.ts with the bench tenant (no Action), LOG_LEVEL=warn, token rate limits raised to 1,000,000/s',
        '"CPU µs/token" = the process\'s CPU time in a round / tokens (the tenant\'s from /proc, 10 ms resolution): "vs raw (CPU)" compares what a token costs, whatever else ran on the core meanwhile; the raw loop runs twice per round, the two giving the noise floor, their mean the limit',
      ],
      failures,
      targets: [
        roundsTarget(
          'issuance / raw signing (CPU per token)',
          ratioSpread(rawLimit.cpuMicrosPerToken, rounds.endpoint.cpuMicrosPerToken),
          0.9,
          floor,
        ),
      ],
      measurements: { rounds, control, floor },
    }
  },
}

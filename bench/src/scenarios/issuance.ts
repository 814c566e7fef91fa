import { join } from 'node:path'
import { createTokenProvider } from '@m2m/auth/token'
import { createVerifier } from '@m2m/auth/verify'
import { request } from 'undici'
import { maker } from '../load/fresh-values.js'
import type { FreshSpec } from '../load/load-job.js'
import {
  BENCH_AUDIENCE,
  type BenchTenant,
  CLIENTS,
  issuanceClientKey,
  secretOf,
} from '../runner/bench-tenant.js'
import { processCpuMicros } from '../runner/cpu-time.js'
import { count, describeLoad, ms, percent, ratio, spreadText } from '../runner/format.js'
import { benchScript, profileFlags } from '../runner/paths.js'
import { isMessage, startReadyChild } from '../runner/processes.js'
import { pairControl, ratioSpread, roundOrder, spread } from '../runner/rounds.js'
import { roundsTarget, type Scenario } from '../runner/types.js'

const form = (secret: string, clientId: string = CLIENTS.issuance) =>
  new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
    audience: BENCH_AUDIENCE,
  }).toString()

/** Client assertions of `bench-issuance-key`, one per request, signed by the load worker. */
function assertionSpec(tenant: BenchTenant): FreshSpec {
  return {
    kind: 'client-assertion',
    pool: 'scenario-4-assertions',
    privateKeyPem: issuanceClientKey().privateKeyPem,
    clientId: CLIENTS.issuanceKey,
    // The tenant URL, as Auth0's SDKs and `clientAssertionAudience` of @m2m/auth write it.
    audience: `${new URL(tenant.issuer).origin}/`,
    form: {
      grant_type: 'client_credentials',
      client_id: CLIENTS.issuanceKey,
      audience: BENCH_AUDIENCE,
    },
    // A little under what the tenant issues on a quiet machine (~390 µs a token).
    initialRatePerSecond: 2_000,
  }
}

/**
 * Checks private_key_jwt at the tenant: @m2m/auth's own token provider gets a
 * token with the key, an assertion of the load worker's form gets one once and
 * is refused the second time (a replayed jti), and the client's secret is
 * refused (only its key authenticates it). Returns problems, if any.
 */
async function checkPrivateKeyJwt(tenant: BenchTenant, spec: FreshSpec): Promise<string[]> {
  const problems: string[] = []
  const url = `${tenant.issuer}oauth/token`
  const provider = createTokenProvider({
    issuer: tenant.issuer,
    clientId: CLIENTS.issuanceKey,
    clientAssertionSigningKey: issuanceClientKey().privateKeyPem,
    audience: BENCH_AUDIENCE,
  })
  try {
    await provider.getToken()
  } catch (error) {
    problems.push(
      `createTokenProvider with the client's key got no token: ${(error as Error).message}`,
    )
  } finally {
    await provider.close()
  }
  const post = async (body: string) => {
    const response = await request(url, { method: 'POST', headers, body })
    await response.body.dump()
    return response.statusCode
  }
  const body = maker(spec)()
  const first = await post(body)
  const again = await post(body)
  if (first !== 200)
    problems.push(`a client assertion of the load worker's form got ${first}, not 200`)
  if (again !== 401) problems.push(`the same client assertion again got ${again}, not 401`)
  const secret = await post(form(secretOf(CLIENTS.issuanceKey), CLIENTS.issuanceKey))
  if (secret !== 401) problems.push(`the key-only client's secret got ${secret}, not 401`)
  return problems
}

const headers = { 'content-type': 'application/x-www-form-urlencoded' }

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

    // private_key_jwt: a new client assertion per request, made by the load worker beforehand.
    const spec = assertionSpec(tenant)
    const keyProblems = await checkPrivateKeyJwt(tenant, spec)
    for (const problem of keyProblems) failures.push(`private_key_jwt: ${problem}`)
    const withKey = keyProblems.length === 0

    const job = {
      url,
      method: 'POST' as const,
      headers,
      body: form(secretOf(CLIENTS.issuance)),
      connections: settings.connections,
      warmupSeconds: 0,
    }
    const keyJob = { ...job, body: undefined, fresh: { pool: spec.pool } }
    const assertions = { made: 0, ms: 0, madeDuringRun: 0 }
    const fill = async (seconds: number) => {
      const made = await load.prepare(spec, seconds)
      assertions.made += made.made
      assertions.ms += made.ms
    }
    const { child } = await startReadyChild({
      name: 'raw-sign',
      script: benchScript('issuance/raw-sign.ts'),
      role: 'server',
    })
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
    const keyFile = join(tenant.dataDir, 'signing-keys.json')
    /** The bare Fastify token route (`serve-signing-endpoint.ts`); a child that fails to start is stopped by startReadyChild. */
    const startSigningRoute = (name: string, env: Record<string, string> = {}) =>
      startReadyChild<{ port: number }>({
        name,
        script: benchScript('servers/serve-signing-endpoint.ts'),
        role: 'server',
        env: { BENCH_KEY_FILE: keyFile, BENCH_CLAIMS: JSON.stringify(claims), ...env },
        ...(settings.cpuProfile ? { nodeFlags: profileFlags(name) } : {}),
      })
    // The floor under a token endpoint on Fastify: a bare route that signs as the raw loop does.
    const { child: routeServer, ready: routeReady } = await startSigningRoute(
      'signing-endpoint',
    ).catch(async (error: unknown) => {
      await child.stop()
      throw error
    })
    // The HTTP alone: the same route answering one token signed at its start.
    const { child: httpServer, ready: httpReady } = await startSigningRoute('http-alone', {
      BENCH_SIGN_ONCE: '1',
    }).catch(async (error: unknown) => {
      await Promise.all([child.stop(), routeServer.stop()])
      throw error
    })
    // The same route signing each turn's tokens back to back, as the tenant does.
    const { child: batchedServer, ready: batchedReady } = await startSigningRoute(
      'signing-batched',
      { BENCH_SIGN_BATCHED: '1' },
    ).catch(async (error: unknown) => {
      await Promise.all([child.stop(), routeServer.stop(), httpServer.stop()])
      throw error
    })
    const batchedJob = { ...job, url: `http://127.0.0.1:${batchedReady.port}/oauth/token` }
    const httpJob = { ...job, url: `http://127.0.0.1:${httpReady.port}/oauth/token` }
    const routeJob = { ...job, url: `http://127.0.0.1:${routeReady.port}/oauth/token` }
    /** Checks that a bare route answers a token with the tenant's header; a problem, if any. */
    const answersTenantToken = async (url: string, name: string) => {
      const answer = await request(url, { method: 'POST', headers, body: job.body })
      const answered = ((await answer.body.json()) as { access_token?: string }).access_token
      if (answer.statusCode !== 200 || answered?.split('.')[0] !== token.split('.')[0]) {
        failures.push(`${name} answered ${answer.statusCode}, not a token of the tenant's form`)
      }
    }
    const rawRun = async (warmupSeconds: number): Promise<RawResult> => {
      const answer = child.nextMessage(
        (m): m is { type: 'result' } & RawResult => isMessage(m, 'result'),
        (warmupSeconds + settings.durationSeconds) * 1000 + 30_000,
      )
      child.send({
        type: 'run',
        keyFile,
        claims,
        warmupSeconds,
        durationSeconds: settings.durationSeconds,
      })
      return answer
    }
    const endpointRun = async (
      which: typeof job | typeof keyJob,
      label: string,
      pid: number | undefined = tenant.pid,
    ) => {
      const cpuBefore = await processCpuMicros(pid)
      const result = await load.run({ ...which, durationSeconds: settings.durationSeconds })
      const cpuAfter = await processCpuMicros(pid)
      assertions.madeDuringRun += which === keyJob ? (result.madeDuringRun ?? 0) : 0
      if (result.non2xx + result.errors - result.timeouts > 0) {
        failures.push(
          `${label} under load: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodes)}), ${result.errors} errors`,
        )
      }
      const cpu =
        cpuBefore === undefined || cpuAfter === undefined || result.total === 0
          ? Number.NaN
          : (cpuAfter - cpuBefore) / result.total
      return { tokensPerSecond: result.requestsPerSecond, cpuMicrosPerToken: cpu, p99: result.p99 }
    }

    /** What each endpoint side loads, as what, and whose CPU time it reads. */
    const endpointSides = {
      endpoint: [job, '/oauth/token (client secret)', tenant.pid],
      'endpoint-key': [keyJob, '/oauth/token (private_key_jwt)', tenant.pid],
      'bare-route': [routeJob, 'the bare signing route', routeServer.process.pid],
      'batched-route': [batchedJob, 'the batched signing route', batchedServer.process.pid],
      'http-alone': [httpJob, 'the route without signing', httpServer.process.pid],
    } as const
    const sides = (
      [
        'endpoint',
        'endpoint-key',
        'bare-route',
        'batched-route',
        'http-alone',
        'raw',
        'raw-b',
      ] as const
    ).filter((side) => withKey || side !== 'endpoint-key')
    const endpointFigures = () => ({
      tokensPerSecond: [] as number[],
      cpuMicrosPerToken: [] as number[],
      p99: [] as number[],
    })
    const rounds = {
      endpoint: endpointFigures(),
      'endpoint-key': endpointFigures(),
      'bare-route': endpointFigures(),
      'batched-route': endpointFigures(),
      'http-alone': endpointFigures(),
      raw: { tokensPerSecond: [] as number[], cpuMicrosPerToken: [] as number[] },
      'raw-b': { tokensPerSecond: [] as number[], cpuMicrosPerToken: [] as number[] },
    }
    try {
      await answersTenantToken(routeJob.url, 'the bare signing route')
      await answersTenantToken(httpJob.url, 'the route without signing')
      await answersTenantToken(batchedJob.url, 'the batched signing route')
      if (settings.warmupSeconds > 0) {
        await load.run({ ...job, durationSeconds: settings.warmupSeconds })
        if (withKey) {
          await fill(settings.warmupSeconds)
          await load.run({ ...keyJob, durationSeconds: settings.warmupSeconds })
        }
        await load.run({ ...routeJob, durationSeconds: settings.warmupSeconds })
        await load.run({ ...batchedJob, durationSeconds: settings.warmupSeconds })
        await load.run({ ...httpJob, durationSeconds: settings.warmupSeconds })
        await rawRun(settings.warmupSeconds)
      }
      for (let round = 0; round < settings.rounds; round++) {
        await context.startRound(round)
        for (const side of roundOrder(sides, round)) {
          if (side !== 'raw' && side !== 'raw-b') {
            if (side === 'endpoint-key') await fill(settings.durationSeconds)
            const [target, label, pid] = endpointSides[side]
            const result = await endpointRun(target, label, pid)
            rounds[side].tokensPerSecond.push(result.tokensPerSecond)
            rounds[side].cpuMicrosPerToken.push(result.cpuMicrosPerToken)
            rounds[side].p99.push(result.p99)
          } else {
            const result = await rawRun(0)
            rounds[side].tokensPerSecond.push(result.tokensPerSecond)
            rounds[side].cpuMicrosPerToken.push(result.cpuMicrosPerToken)
          }
        }
      }
    } finally {
      await Promise.all([child.stop(), routeServer.stop(), httpServer.stop(), batchedServer.stop()])
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
    const keyRounds = rounds['endpoint-key']
    // What private_key_jwt costs the tenant per token, over the secret, round by round.
    const keyOverSecret = ratioSpread(
      keyRounds.cpuMicrosPerToken,
      rounds.endpoint.cpuMicrosPerToken,
    )
    // What the tenant's own code keeps of the bare route's rate, round by round.
    const tenantOverRoute = ratioSpread(
      rounds['bare-route'].cpuMicrosPerToken,
      rounds.endpoint.cpuMicrosPerToken,
    )
    // What no token endpoint on Fastify can beat: the raw loop's signature plus the HTTP
    // around it, round by round; and what a signature costs between HTTP work instead.
    const httpAlone = rounds['http-alone'].cpuMicrosPerToken
    const rawAndHttp = rawLimit.cpuMicrosPerToken.map(
      (raw, r) => raw + (httpAlone[r] ?? Number.NaN),
    )
    const ceiling = ratioSpread(rawLimit.cpuMicrosPerToken, rawAndHttp)
    const signatureIn = (route: number[]) =>
      ratioSpread(
        route.map((cpu, r) => cpu - (httpAlone[r] ?? Number.NaN)),
        rawLimit.cpuMicrosPerToken,
      )
    const signatureInRoute = signatureIn(rounds['bare-route'].cpuMicrosPerToken)
    const signatureInBatch = signatureIn(rounds['batched-route'].cpuMicrosPerToken)
    // What the tenant's own code keeps of a route that batches as it does.
    const tenantOverBatched = ratioSpread(
      rounds['batched-route'].cpuMicrosPerToken,
      rounds.endpoint.cpuMicrosPerToken,
    )
    const methodRow = (
      label: string,
      figures: { tokensPerSecond: number[]; cpuMicrosPerToken: number[]; p99: number[] },
      versus: string,
    ) => [
      label,
      spreadText(spread(figures.cpuMicrosPerToken), count),
      versus,
      spreadText(spread(figures.tokensPerSecond), count),
      ms(spread(figures.p99).median),
    ]
    const plural = settings.rounds === 1 ? '' : 's'
    return {
      tables: [
        {
          title: `RS256 tokens on the server core (/oauth/token: ${describeLoad(settings)}); ${settings.rounds} alternating round${plural}; A/A floor ±${percent(floor)}`,
          columns: ['issuer', 'CPU µs/token', 'vs raw (CPU)', 'tokens/s', 'vs raw (tokens/s)'],
          rows: [
            row('local tenant POST /oauth/token (form, client_secret_post)', rounds.endpoint),
            ...(withKey
              ? [row('local tenant POST /oauth/token (form, private_key_jwt)', keyRounds)]
              : []),
            row(
              'bare Fastify POST /oauth/token signing as raw does (the HTTP floor)',
              rounds['bare-route'],
            ),
            row(
              "bare Fastify POST /oauth/token signing each turn's tokens back to back (the batched floor)",
              rounds['batched-route'],
            ),
            row(
              'bare Fastify POST /oauth/token answering one token signed at its start (the HTTP alone)',
              rounds['http-alone'],
            ),
            row('raw node:crypto RS256 sign, same claims', rounds.raw),
            row('raw signing again (A/A control)', rounds['raw-b']),
          ],
        },
        ...(withKey
          ? [
              {
                title: `Client authentication at the tenant: private_key_jwt against client_secret_post (the same rounds; a cost figure, no target)`,
                columns: [
                  'client authentication',
                  'tenant CPU µs/token',
                  'vs client_secret_post (CPU)',
                  'tokens/s',
                  'p99 ms',
                ],
                rows: [
                  methodRow('client_secret_post (bench-issuance)', rounds.endpoint, '-'),
                  methodRow(
                    'private_key_jwt, a new RS256 client assertion per request (bench-issuance-key)',
                    keyRounds,
                    spreadText(keyOverSecret, (r) => ratio(r, 1)),
                  ),
                ],
              },
            ]
          : []),
      ],
      notes: [
        'the tenant runs apps/auth-server src/main.ts with the bench tenant (no Action), LOG_LEVEL=warn, token rate limits raised to 1,000,000/s',
        '"CPU µs/token" = the process\'s CPU time in a round / tokens (the tenant\'s from /proc, 10 ms resolution): "vs raw (CPU)" compares what a token costs, whatever else ran on the core meanwhile; the raw loop runs twice per round, the two giving the noise floor, their mean the limit',
        'the HTTP floor: a bare Fastify POST /oauth/token (bench/src/servers/serve-signing-endpoint.ts) that reads the same form with @fastify/formbody and answers a token signed as the raw loop signs it, with no client authentication, rate limit, log or telemetry, under the same load: what a token endpoint on Fastify costs before any code of its own; "issuance / the bare signing route" is what the tenant keeps of it',
        'the HTTP alone: the same bare route answering one token signed at its start to every request, the same bytes and load without a signature; "raw / (raw + the HTTP alone)" is what an endpoint that signs each token would keep of the raw loop if its signature cost what the loop\'s does: the most any token endpoint on Fastify keeps; "(the bare signing route − the HTTP alone) / raw" is what a signature costs between HTTP work against the loop\'s, one after another',
        'the batched floor: the same bare route signing the tokens asked in one turn of the event loop back to back, after that turn\'s HTTP work and before its answers, with @m2m/auth\'s batchPerTurn (packages/auth/src/batch-per-turn.ts), as the tenant signs; "(the batched signing route − the HTTP alone) / raw" is what a signature costs in such a batch against the loop\'s, and "issuance / the batched signing route" is what the tenant\'s own code (client authentication, rate limit, quotas, log, metrics, telemetry) keeps of it',
        ...(withKey
          ? [
              `private_key_jwt (issue 18): bench-issuance-key has an RSA-2048 key registered in the tenant file (the public half; the key pair is made once in bench/.cache) and no usable secret; every request carries a new RS256 client assertion (iss = sub = the client, aud the tenant URL, 60 s, a random jti) of the form @m2m/auth's createTokenProvider signs, ${count(assertions.made)} made by the load worker on the load core before the runs that send them (${(assertions.ms / 1000).toFixed(1)} s, not measured)${assertions.madeDuringRun > 0 ? `, ${count(assertions.madeDuringRun)} more during the runs when the pool ran dry` : ''}; checked first: createTokenProvider with the key gets a token, an assertion sent twice is refused the second time (a replayed jti), the client's secret is refused; "vs client_secret_post (CPU)" = its tenant CPU per token / the secret's in the same round`,
            ]
          : []),
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
      figures: [
        {
          name: 'raw / (raw + the HTTP alone) (CPU per token): the most a token endpoint on Fastify keeps',
          value: ceiling.median,
          unit: 'x',
          spread: ceiling,
        },
        {
          name: '(the bare signing route - the HTTP alone) / raw (CPU per token): a signature between HTTP work',
          value: signatureInRoute.median,
          unit: 'x',
          spread: signatureInRoute,
        },
        {
          name: "(the batched signing route - the HTTP alone) / raw (CPU per token): a signature in a turn's batch",
          value: signatureInBatch.median,
          unit: 'x',
          spread: signatureInBatch,
        },
        {
          name: 'issuance / the batched signing route (CPU per token)',
          value: tenantOverBatched.median,
          unit: 'x',
          spread: tenantOverBatched,
        },
        {
          name: 'issuance / the bare signing route (CPU per token)',
          value: tenantOverRoute.median,
          unit: 'x',
          spread: tenantOverRoute,
        },
        ...(withKey
          ? [
              {
                name: 'private_key_jwt / client_secret_post issuance (tenant CPU per token)',
                value: keyOverSecret.median,
                unit: 'x',
                spread: keyOverSecret,
              },
            ]
          : []),
      ],
      measurements: {
        rounds,
        control,
        floor,
        keyOverSecret,
        tenantOverRoute,
        ceiling,
        signatureInRoute,
        signatureInBatch,
        tenantOverBatched,
        assertions,
      },
    }
  },
}

import { createTokenProvider } from '@m2m/auth/token'
import { createVerifier } from '@m2m/auth/verify'
import { createManagementAuth } from 'auth0'
import { Agent, request } from 'undici'
import { BENCH_AUDIENCE, type BenchTenant, CLIENTS, secretOf } from '../runner/bench-tenant.js'
import { count } from '../runner/format.js'
import { type Scenario, target } from '../runner/types.js'

interface Contender {
  label: string
  clientId: string
  callers: number
  /** A fresh, cold client; `getToken` is what each caller calls. */
  create(tenant: BenchTenant): { getToken(): Promise<string>; close(): Promise<void> }
}

/** As the seed samples do: a POST to /oauth/token on every call, no cache. */
function naiveClient(tenant: BenchTenant, clientId: string) {
  // Bounded sockets: 10,000 at once would measure the file-descriptor limit, not the client.
  const agent = new Agent({ connections: 128 })
  return {
    async getToken() {
      const response = await request(`${tenant.issuer}oauth/token`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: secretOf(clientId),
          audience: BENCH_AUDIENCE,
        }),
      })
      const body = (await response.body.json()) as { access_token?: string }
      if (response.statusCode !== 200 || !body.access_token) {
        throw new Error(`token endpoint answered ${response.statusCode}`)
      }
      return body.access_token
    },
    close: () => agent.close(),
  }
}

const contenders = (settings: { concurrentCallers: number; naiveCallers: number }): Contender[] => [
  {
    label: '@m2m/auth createTokenProvider (ours)',
    clientId: CLIENTS.provider,
    callers: settings.concurrentCallers,
    create: (tenant) => {
      const provider = createTokenProvider({
        issuer: tenant.issuer,
        clientId: CLIENTS.provider,
        clientSecret: secretOf(CLIENTS.provider),
        audience: BENCH_AUDIENCE,
      })
      return { getToken: () => provider.getToken(), close: () => provider.close() }
    },
  },
  {
    label: 'naive client: one exchange per call (seed samples)',
    clientId: CLIENTS.naive,
    callers: settings.naiveCallers,
    create: (tenant) => naiveClient(tenant, CLIENTS.naive),
  },
  {
    // auth0 v7 keeps client credentials only in its Management API token provider (its
    // AuthenticationClient moved to @auth0/auth0-auth-js); any audience can be asked for.
    label: 'auth0 SDK 7 createManagementAuth().getToken',
    clientId: CLIENTS.auth0Sdk,
    callers: settings.concurrentCallers,
    create: (tenant) => {
      const auth = createManagementAuth({
        domain: new URL(tenant.issuer).host,
        clientId: CLIENTS.auth0Sdk,
        clientSecret: secretOf(CLIENTS.auth0Sdk),
        audience: BENCH_AUDIENCE,
        // The SDK always calls https://<domain>; the local tenant speaks http.
        fetch: (input: string | URL | Request, init?: RequestInit) =>
          fetch(String(input).replace(/^https:/, 'http:'), init),
      } as Parameters<typeof createManagementAuth>[0])
      return { getToken: () => auth.getToken(), close: async () => {} }
    },
  },
]

/**
 * Scenario 3: N concurrent callers of one cold client; the exchanges are
 * counted at the tenant (its /__test__/exchanges), per client id.
 */
export const tokenAcquisition: Scenario = {
  id: '3',
  title: 'Token acquisition, concurrent callers on a cold cache',
  tolerant: true,
  async run(context) {
    const { tenant } = context
    const verifier = createVerifier({ issuer: tenant.issuer, audience: BENCH_AUDIENCE })
    const rows: string[][] = []
    const failures: string[] = []
    const measurements: Record<string, unknown> = {}
    let oursExchanges = Number.NaN
    try {
      // The tenant remembers a verified secret; until then every request of a client pays
      // scrypt (~30 ms on the tenant's one core). One exchange each first, so the figures
      // are the clients', not the tenant's first-contact cost.
      for (const contender of contenders(context.settings)) {
        await tenant.token(contender.clientId, BENCH_AUDIENCE)
      }
      for (const contender of contenders(context.settings)) {
        context.log(`  ${contender.label}`)
        await tenant.resetExchanges()
        const client = contender.create(tenant)
        const started = performance.now()
        const settled = await Promise.allSettled(
          Array.from({ length: contender.callers }, () => client.getToken()),
        )
        const seconds = (performance.now() - started) / 1000
        await client.close()
        const counts = (await tenant.exchanges())[contender.clientId] ?? { succeeded: 0, failed: 0 }
        const exchanges = counts.succeeded + counts.failed
        const tokens = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
        const refused = settled.length - tokens.length
        const distinct = new Set(tokens)
        try {
          if (refused > 0) throw new Error(`${refused} of ${settled.length} callers got no token`)
          for (const token of distinct) await verifier.verify(token)
        } catch (error) {
          failures.push(`${contender.label}: ${(error as Error).message}`)
        }
        if (contender.clientId === CLIENTS.provider) oursExchanges = exchanges
        measurements[contender.clientId] = {
          callers: contender.callers,
          exchanges,
          failedExchanges: counts.failed,
          distinctTokens: distinct.size,
          seconds,
        }
        rows.push([
          contender.label,
          count(contender.callers),
          count(exchanges),
          count(distinct.size),
          `${(seconds * 1000).toFixed(0)}`,
        ])
      }
    } finally {
      await verifier.close()
    }
    return {
      tables: [
        {
          title:
            'getToken() from N concurrent callers on one cold client; exchanges counted at the tenant',
          columns: ['client', 'callers', 'exchanges', 'distinct tokens', 'all done ms'],
          rows,
        },
      ],
      notes: [
        `every token verified against the tenant's JWKS; the bench tenant's /oauth/token limits are raised so nobody is throttled`,
        ...(context.settings.naiveCallers < context.settings.concurrentCallers
          ? [`quick run: ${count(context.settings.naiveCallers)} naive callers (one exchange each)`]
          : []),
      ],
      failures,
      targets: [target('exchanges for concurrent callers of ours', oursExchanges, 1, 'exactly')],
      measurements,
    }
  },
}

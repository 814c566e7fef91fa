/**
 * What a request allocates, server by server: the resource servers of
 * scenario 1 (no auth, one empty hook, ours) and the servers of scenario 8
 * (the bare route alone, with the auth plugin, with the telemetry, with every
 * part world-mappers registers, and world-mappers itself). Each runs in a
 * child of its own with V8's sampling heap profiler (`runner/allocation-sampler.ts`),
 * counting the objects already freed too; after a warm-up, `requests` GETs with
 * one valid RS256 token are sampled. Prints bytes per request by package, then
 * the sites that allocate more than the server each is compared with; last,
 * the garbage collections of as many requests just before, with no profiler
 * running: how many scavenges and mark-compacts, and their pauses.
 *
 * Allocation is counted, not timed: the figures do not depend on what else
 * runs on this machine. Every byte allocated is work for the young-generation
 * garbage collector, and every object that survives a collection is copied.
 *
 *   pnpm --filter @m2m/bench alloc-census [requests]
 */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import autocannon from 'autocannon'
import {
  type AllocationSites,
  packageOf,
  perRequestByPackage,
  sitesAbove,
} from './runner/allocation-sites.js'
import { renderText } from './runner/format.js'
import type { GcTally } from './runner/gc-tally.js'
import { benchScript, packageDir } from './runner/paths.js'
import { pickPort, waitUntilServing } from './runner/ports.js'
import { type Child, isMessage, startChild, startReadyChild } from './runner/processes.js'
import { RESOURCE_PATH } from './servers/variants.js'

const requests = Number(process.argv[2] ?? 50_000)
if (!Number.isInteger(requests) || requests < 1_000) throw new Error('requests: 1,000 or more')

const AUDIENCE = 'urn:alloc-census'
const ME_PATH = '/api/me'
const SAMPLER = benchScript('runner/allocation-sampler.ts')
/** After tsx, so that the sampler's TypeScript loads. */
const samplerFlags = ['--import', 'tsx', '--import', SAMPLER]

interface Server {
  child: Child
  url: string
}

interface Side {
  id: string
  label: string
  /** The side whose allocations this one's are compared with. */
  baseline?: string
  start(issuer: string, audience: string): Promise<Server>
}

async function readyServer(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  path: string,
): Promise<Server> {
  const { child, ready } = await startReadyChild<{ port: number }>({
    name,
    script,
    args,
    env,
    role: 'server',
    nodeFlags: samplerFlags,
  })
  return { child, url: `http://127.0.0.1:${ready.port}${path}` }
}

const variant = (id: string) => (issuer: string, audience: string) =>
  readyServer(
    id,
    benchScript('servers/serve-variant.ts'),
    [id],
    { BENCH_ISSUER: issuer, BENCH_AUDIENCE: audience },
    RESOURCE_PATH,
  )

/** The body world-mappers answers on `/api/me` to the census token (set once it has answered). */
let meBody = ''

const bareRoute = (id: string, layers: string) => (issuer: string, audience: string) =>
  readyServer(
    id,
    benchScript('servers/serve-fixed-body.ts'),
    [],
    {
      BENCH_PATH: ME_PATH,
      BENCH_BODY: meBody,
      BENCH_LAYERS: layers,
      BENCH_ISSUER: issuer,
      BENCH_AUDIENCE: audience,
    },
    ME_PATH,
  )

async function worldMappers(issuer: string, audience: string): Promise<Server> {
  const port = await pickPort()
  const child = startChild({
    name: 'world-mappers',
    script: join(packageDir('@m2m/world-mappers'), 'src', 'main.ts'),
    role: 'server',
    nodeFlags: samplerFlags,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER_BASE_URL: issuer,
      AUDIENCE: audience,
      LOG_LEVEL: 'warn',
    },
  })
  const base = `http://127.0.0.1:${port}`
  await waitUntilServing(`${base}/readyz`, () => child.process.exitCode === null, child.output)
  child.pin()
  return { child, url: `${base}${ME_PATH}` }
}

const SIDES: Side[] = [
  { id: 'no-auth', label: 'scenario 1: Fastify, no auth', start: variant('fastify-no-auth') },
  {
    id: 'empty-hook',
    label: 'scenario 1: Fastify + one empty onRequest hook',
    baseline: 'no-auth',
    start: variant('fastify-empty-hook'),
  },
  {
    id: 'ours',
    label: 'scenario 1: Fastify + @m2m/auth/fastify (ours)',
    baseline: 'empty-hook',
    start: variant('m2m-auth-fastify'),
  },
  // First of scenario 8's: its answer is the body the bare routes answer.
  {
    id: 'world-mappers',
    label: 'scenario 8: world-mappers app (src/main.ts)',
    baseline: 'bare-all',
    start: worldMappers,
  },
  { id: 'bare', label: 'scenario 8: bare Fastify route', start: bareRoute('bare', '') },
  {
    id: 'bare-auth',
    label: 'scenario 8: the bare route + @m2m/auth/fastify',
    baseline: 'bare',
    start: bareRoute('bare-auth', 'auth'),
  },
  {
    id: 'bare-telemetry',
    label: 'scenario 8: the bare route + service-kit telemetry',
    baseline: 'bare',
    start: bareRoute('bare-telemetry', 'telemetry'),
  },
  {
    id: 'bare-all',
    label: 'scenario 8: the bare route + every part world-mappers registers',
    baseline: 'bare',
    start: bareRoute('bare-all', 'logger,telemetry,service,auth'),
  },
]

/** An RS256 key served as a JWKS on 127.0.0.1, and one token of it for `audience`. */
async function issuerWithToken(audience: string) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'alloc-census', alg: 'RS256' }
  const jwks = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/`
  const now = Math.floor(Date.now() / 1000)
  const token = sign(privateKey, {
    iss: issuer,
    sub: 'alloc-census@clients',
    aud: audience,
    iat: now,
    exp: now + 3600,
    azp: 'alloc-census',
    gty: 'client-credentials',
    scope: 'geocode:location directions:read',
  })
  return { issuer, token, close: () => new Promise((done) => jwks.close(done)) }
}

function sign(key: KeyObject, claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid: 'alloc-census' })}.${part(claims)}`
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`
}

async function load(url: string, token: string, amount: number): Promise<void> {
  const result = await autocannon({
    url,
    connections: 50,
    amount,
    headers: { authorization: `Bearer ${token}` },
  })
  const failed = result.non2xx + result.errors
  if (failed > 0) throw new Error(`${url}: ${failed} of ${amount} requests failed`)
}

interface Sample {
  sites: AllocationSites
  gc: GcTally
}

/** Over IPC with the preloaded sampler: `start`, then `run`, then `stop` and its answer. */
async function window<T>(
  child: Child,
  kind: 'alloc' | 'gc',
  answer: string,
  run: () => Promise<void>,
): Promise<T> {
  const started = child.nextMessage((m): m is { type: string } => isMessage(m, `${kind}-started`))
  child.send({ type: `${kind}-start` })
  await started
  await run()
  const stopped = child.nextMessage((m): m is T => isMessage(m, answer))
  child.send({ type: `${kind}-stop` })
  return stopped
}

/**
 * The garbage collections over `run`, then bytes by site over a second `run`: in
 * that order, so that no profiler has run in the process whose pauses are timed.
 */
async function sample(child: Child, run: () => Promise<void>): Promise<Sample> {
  const { gc } = await window<{ gc: GcTally }>(child, 'gc', 'gc-tally', run)
  const { sites } = await window<{ sites: AllocationSites }>(child, 'alloc', 'alloc-profile', run)
  return { sites, gc }
}

const tenant = await issuerWithToken(AUDIENCE)
const measured = new Map<string, Sample>()
try {
  for (const side of SIDES) {
    const server = await side.start(tenant.issuer, AUDIENCE)
    try {
      const answer = await fetch(server.url, {
        headers: { authorization: `Bearer ${tenant.token}` },
      })
      const body = await answer.text()
      if (answer.status !== 200) throw new Error(`${side.id} answered ${answer.status}: ${body}`)
      if (side.id === 'world-mappers') meBody = body
      else if (server.url.endsWith(ME_PATH) && body !== meBody) {
        throw new Error(`${side.id} answers another body than world-mappers`)
      }
      await load(server.url, tenant.token, Math.max(20_000, requests / 2))
      measured.set(
        side.id,
        await sample(server.child, () => load(server.url, tenant.token, requests)),
      )
      console.error(`${side.id}: 2 × ${requests.toLocaleString('en-US')} requests measured`)
    } finally {
      await server.child.stop()
    }
  }
} finally {
  await tenant.close()
}

const sitesOf = (id: string) => measured.get(id)?.sites ?? {}
const packages = new Map(SIDES.map(({ id }) => [id, perRequestByPackage(sitesOf(id), requests)]))
const totalOf = (id: string) =>
  Object.values(packages.get(id) ?? {}).reduce((sum, bytes) => sum + bytes, 0)
const packageNames = [
  ...new Set([...packages.values()].flatMap((byPackage) => Object.keys(byPackage))),
].sort((a, b) => totalAcross(b) - totalAcross(a))
function totalAcross(name: string): number {
  return [...packages.values()].reduce((sum, byPackage) => sum + (byPackage[name] ?? 0), 0)
}
const bytes = (value: number | undefined) =>
  value === undefined || value < 0.5 ? '-' : Math.round(value).toLocaleString('en-US')
const signed = (value: number) =>
  `${value < 0 ? '−' : '+'}${Math.abs(Math.round(value)).toLocaleString('en-US')}`

console.log(
  renderText({
    title: `Bytes allocated per request (sampled: V8's sampling heap profiler, freed objects included, ${requests.toLocaleString('en-US')} requests after a warm-up; node ${process.version})`,
    columns: ['server', 'all', 'more than', ...packageNames],
    rows: SIDES.map(({ id, label, baseline }) => [
      label,
      bytes(totalOf(id)),
      baseline ? `${signed(totalOf(id) - totalOf(baseline))} (${baseline})` : '-',
      ...packageNames.map((name) => bytes(packages.get(id)?.[name])),
    ]),
  }),
)
/** A site with its path from the workspace's `node_modules`, `packages` or `apps` on. */
function shortSite(site: string): string {
  return site.replace(/ \S*\/(node_modules|packages|apps)\//, ' $1/')
}

// Node's own sites move between its functions with the timing of the writes, so only
// the sites of the packages above it are listed one by one.
const listed = (site: string) => !['Node.js', 'V8 and native code'].includes(packageOf(site))
for (const { id, label, baseline } of SIDES) {
  if (!baseline) continue
  const above = sitesAbove(sitesOf(id), requests, sitesOf(baseline), requests, 8)
    .filter(([site]) => listed(site))
    .slice(0, 12)
  console.log(`\n${label}, sites above ${baseline} (bytes per request):`)
  for (const [site, more] of above) {
    console.log(`${bytes(more).padStart(7)}  ${shortSite(site)}`)
  }
  if (above.length === 0) console.log('      -  none of 8 bytes or more')
}

const PER = 10_000
const perRequests = (value: number) => ((value * PER) / requests).toFixed(1)
console.log(
  `\n${renderText({
    title: `Garbage collection per ${PER.toLocaleString('en-US')} requests (${requests.toLocaleString('en-US')} requests before the sampled ones, no profiler running; pauses timed on the main thread move with the machine, the counts do not)`,
    columns: ['server', 'scavenges', 'their ms', 'mark-compacts', 'their ms', 'other pauses ms'],
    rows: SIDES.map(({ id, label }) => {
      const gc = measured.get(id)?.gc
      if (!gc) return [label, '-', '-', '-', '-', '-']
      return [
        label,
        perRequests(gc.scavenges),
        perRequests(gc.scavengeMs),
        perRequests(gc.markCompacts),
        perRequests(gc.markCompactMs),
        perRequests(gc.otherMs),
      ]
    }),
  })}`,
)

/**
 * The servers the censuses measure one by one (`alloc-census.ts`,
 * `instruction-census.ts`): scenario 1's resource servers (no auth, one empty
 * hook, ours) and scenario 8's (the bare route alone, with the auth plugin,
 * with the telemetry, with every part world-mappers registers, and
 * world-mappers' own `src/main.ts`), each in a child of its own; an RS256
 * issuer of their tokens; the load, and the check that each answers as it
 * should before it is measured.
 */
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import autocannon from 'autocannon'
import { RESOURCE_PATH } from '../servers/variants.js'
import { base64urlJson, signRs256 } from './compact-jws.js'
import { benchScript } from './paths.js'
import { type Child, startReadyChild } from './processes.js'
import { startWorldMappersProcess } from './world-mappers-process.js'

const ME_PATH = '/api/me'

/** How a census starts its servers: node flags to add, a command to run node under. */
export interface Launch {
  nodeFlags?: string[]
  /** e.g. `['valgrind', '--tool=callgrind', …]`: node runs under it, in the same process. */
  wrapper?: string[]
  /** How long a server may take to serve (default 60 s; longer under a wrapper). */
  startTimeoutMs?: number
}

export interface CensusServer {
  child: Child
  url: string
}

export interface CensusSide {
  id: string
  label: string
  /** The side this one is compared with. */
  baseline?: string
  /** A side that must have run first (the bare routes answer world-mappers' body). */
  after?: string
  start(issuer: string, audience: string, launch: Launch): Promise<CensusServer>
}

async function readyServer(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  path: string,
  launch: Launch,
): Promise<CensusServer> {
  const { child, ready } = await startReadyChild<{ port: number }>(
    {
      name,
      script,
      args,
      env,
      role: 'server',
      nodeFlags: launch.nodeFlags,
      wrapper: launch.wrapper,
    },
    launch.startTimeoutMs,
  )
  return { child, url: `http://127.0.0.1:${ready.port}${path}` }
}

const variant = (id: string) => (issuer: string, audience: string, launch: Launch) =>
  readyServer(
    id,
    benchScript('servers/serve-variant.ts'),
    [id],
    { BENCH_ISSUER: issuer, BENCH_AUDIENCE: audience },
    RESOURCE_PATH,
    launch,
  )

/** The body world-mappers answers on `/api/me` to the census token (set once it has answered). */
let meBody = ''

const bareRoute =
  (id: string, layers: string) => (issuer: string, audience: string, launch: Launch) =>
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
      launch,
    )

async function worldMappers(
  issuer: string,
  audience: string,
  launch: Launch,
): Promise<CensusServer> {
  const { url, child } = await startWorldMappersProcess({
    name: 'world-mappers',
    issuer,
    audience,
    ...launch,
  })
  return { child, url: `${url}${ME_PATH}` }
}

export const CENSUS_SIDES: CensusSide[] = [
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
  {
    id: 'bare',
    label: 'scenario 8: bare Fastify route',
    after: 'world-mappers',
    start: bareRoute('bare', ''),
  },
  {
    id: 'bare-auth',
    label: 'scenario 8: the bare route + @m2m/auth/fastify',
    baseline: 'bare',
    after: 'world-mappers',
    start: bareRoute('bare-auth', 'auth'),
  },
  {
    id: 'bare-telemetry',
    label: 'scenario 8: the bare route + service-kit telemetry',
    baseline: 'bare',
    after: 'world-mappers',
    start: bareRoute('bare-telemetry', 'telemetry'),
  },
  {
    id: 'bare-all',
    label: 'scenario 8: the bare route + every part world-mappers registers',
    baseline: 'bare',
    after: 'world-mappers',
    start: bareRoute('bare-all', 'logger,telemetry,service,auth'),
  },
]

/** `bare:` and layers joined by `+`: the bare route with those parts, for probes of one part. */
const BARE_WITH = /^bare:([a-z]+(?:\+[a-z]+)*)$/

/**
 * The census server `id`, or a bare route with the layers an id `bare:a+b`
 * names (any of `serve-fixed-body.ts`'s, in its order); an unknown one is
 * refused, naming those known.
 */
export function censusSide(id: string): CensusSide {
  const side = CENSUS_SIDES.find((candidate) => candidate.id === id)
  if (side) return side
  const layers = BARE_WITH.exec(id)?.[1]
  if (layers !== undefined) {
    return {
      id,
      label: `scenario 8: the bare route + ${layers.split('+').join(', ')}`,
      baseline: 'bare',
      after: 'world-mappers',
      start: bareRoute(id, layers.split('+').join(',')),
    }
  }
  throw new Error(
    `unknown: ${id} (known: ${CENSUS_SIDES.map((s) => s.id).join(', ')}, bare:<layer>+<layer>…)`,
  )
}

/**
 * The sides named (all without a list), in census order, with the sides they
 * are compared with (and theirs in turn) and those they must run after (alone:
 * world-mappers runs for the body the bare routes answer, not to be compared);
 * `bare:` probes last, in the order named.
 */
export function censusSidesFor(list: string | undefined): CensusSide[] {
  if (list === undefined) return CENSUS_SIDES
  const named = list.split(',').map(censusSide)
  const probes = named.filter((side) => !CENSUS_SIDES.includes(side))
  const wanted = new Set(named.map((side) => side.id))
  // A Set's loop visits what is added while it runs: the baselines of the baselines too.
  for (const id of wanted) {
    const baseline = censusSide(id).baseline
    if (baseline) wanted.add(baseline)
  }
  for (const id of [...wanted]) {
    const after = censusSide(id).after
    if (after) wanted.add(after)
  }
  return [...CENSUS_SIDES.filter((side) => wanted.has(side.id)), ...probes]
}

/** An RS256 key served as a JWKS on 127.0.0.1, and one token of it for `audience`. */
export async function startCensusIssuer(audience: string) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'census', alg: 'RS256' }
  const jwks = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/`
  const now = Math.floor(Date.now() / 1000)
  const header = base64urlJson({ alg: 'RS256', typ: 'JWT', kid: 'census' })
  const token = signRs256(
    header,
    {
      iss: issuer,
      sub: 'census@clients',
      aud: audience,
      iat: now,
      exp: now + 3600,
      azp: 'census',
      gty: 'client-credentials',
      scope: 'geocode:location directions:read',
    },
    privateKey,
  )
  return { issuer, token, close: () => new Promise((done) => jwks.close(done)) }
}

/**
 * `amount` GETs of `url` with the token, 50 connections; throws if any failed.
 * `timeoutSeconds`: how long a request may wait for its answer (autocannon's
 * default is 10 s; a server under valgrind can stall longer while it compiles).
 */
export async function censusLoad(
  url: string,
  token: string,
  amount: number,
  timeoutSeconds = 10,
): Promise<void> {
  const result = await autocannon({
    url,
    connections: 50,
    amount,
    timeout: timeoutSeconds,
    headers: { authorization: `Bearer ${token}` },
  })
  if (result.non2xx + result.errors > 0) {
    throw new Error(
      `${url}: of ${amount} requests, ${result.non2xx} answered other than 2xx and ${result.errors} failed (${result.timeouts} timed out)`,
    )
  }
}

/** The ids `answerBodiesFirst` starts alone: each side some of `sides` run after, unless listed before the first of them. */
export function toAnswerFirst(sides: readonly Pick<CensusSide, 'id' | 'after'>[]): string[] {
  const firsts = new Set(sides.flatMap((side) => (side.after ? [side.after] : [])))
  return [...firsts].filter((id) => {
    const listed = sides.findIndex((side) => side.id === id)
    return listed === -1 || listed > sides.findIndex((side) => side.after === id)
  })
}

/**
 * Starts alone, checks and stops each side the `sides` must run after and do
 * not list before the first that needs it (world-mappers, for the body the
 * bare routes answer).
 */
export async function answerBodiesFirst(
  sides: CensusSide[],
  issuer: { issuer: string; token: string },
  audience: string,
): Promise<void> {
  for (const id of toAnswerFirst(sides)) {
    const side = censusSide(id)
    const server = await side.start(issuer.issuer, audience, {})
    try {
      await checkCensusAnswer(side, server, issuer.token)
    } finally {
      await server.child.stop()
    }
  }
}

/**
 * Checks that a side answers 200 with the census token; world-mappers' body is
 * kept, and every bare route (started after it) must answer the same bytes.
 */
export async function checkCensusAnswer(
  side: CensusSide,
  server: CensusServer,
  token: string,
): Promise<void> {
  const answer = await fetch(server.url, { headers: { authorization: `Bearer ${token}` } })
  const body = await answer.text()
  if (answer.status !== 200) throw new Error(`${side.id} answered ${answer.status}: ${body}`)
  if (side.id === 'world-mappers') meBody = body
  else if (server.url.endsWith(ME_PATH) && body !== meBody) {
    throw new Error(`${side.id} answers another body than world-mappers`)
  }
}

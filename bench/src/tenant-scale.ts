/**
 * `pnpm --filter @m2m/bench tenant-scale [sizes] [rounds] [requests]`: what a
 * token costs the local tenant as it grows. One tenant per size (default
 * 1, 1,000 and 10,000 clients, a grant each, secrets generated as a Deploy CLI
 * export leaves them), all up at once; alternating rounds (default 5) of
 * `requests` token requests each (default 2,000, 25 at a time, in process
 * through `app.inject`), from 100 of each tenant's clients spread over it
 * (seed 7). Prints each tenant's start (wall seconds, this process's CPU
 * seconds), then the CPU per token, median (min–max) over the rounds, and its
 * ratio to the smallest tenant's.
 */
import { performance } from 'node:perf_hooks'
import { type LocalTenant, startLocalTenant } from '@m2m/auth-server/testing'
import { spread as spreadOf } from './runner/rounds.js'

const [sizesArg = '1,1000,10000', roundsArg = '5', requestsArg = '2000'] = process.argv
  .slice(2)
  .filter((arg) => arg !== '--')
const sizes = sizesArg.split(',').map(Number)
const rounds = Number(roundsArg)
const requests = Number(requestsArg)
if (
  sizes.some((n) => !Number.isInteger(n) || n < 1) ||
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !Number.isInteger(requests) ||
  requests < 25 ||
  requests % 25 !== 0
) {
  console.error(
    'usage: tenant-scale [sizes, e.g. 1,1000,10000] [rounds >= 1] [requests: a multiple of 25]',
  )
  process.exit(2)
}

const AUDIENCE = 'urn:scale'
const AT_ONCE = 25
const CALLERS = 100

function documentOf(size: number) {
  const names = Array.from({ length: size }, (_, i) => `client-${i}`)
  return {
    resourceServers: [{ name: 'Scale', identifier: AUDIENCE, scopes: [{ value: 'read:x' }] }],
    clients: names.map((name) => ({
      name,
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    })),
    clientGrants: names.map((name) => ({ client_id: name, audience: AUDIENCE, scope: ['read:x'] })),
  }
}

/** A fixed-seed spread of callers over the tenant: first, last and in between. */
function callersOf(size: number): number[] {
  let seed = 7
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed / 2 ** 31
  }
  const picked = new Set([0, size - 1])
  while (picked.size < Math.min(CALLERS, size)) picked.add(Math.floor(next() * size))
  return [...picked]
}

interface Tenant {
  size: number
  tenant: LocalTenant
  bodies: string[]
  startWall: number
  startCpu: number
  perToken: number[]
}

async function start(size: number): Promise<Tenant> {
  const wall = performance.now()
  const cpu = process.cpuUsage()
  const tenant = await startLocalTenant({ tenant: documentOf(size) })
  const used = process.cpuUsage(cpu)
  const bodies = callersOf(size).map((i) => {
    const name = `client-${i}`
    return new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: tenant.clientId(name),
      client_secret: tenant.clientSecret(name),
      audience: AUDIENCE,
    }).toString()
  })
  return {
    size,
    tenant,
    bodies,
    startWall: (performance.now() - wall) / 1000,
    startCpu: (used.user + used.system) / 1e6,
    perToken: [],
  }
}

async function issue(t: Tenant, count: number): Promise<void> {
  let next = 0
  const one = async () => {
    const payload = t.bodies[next++ % t.bodies.length] as string
    const answer = await t.tenant.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    if (answer.statusCode !== 200) throw new Error(`tenant of ${t.size}: ${answer.statusCode}`)
  }
  for (let done = 0; done < count; done += AT_ONCE) {
    await Promise.all(Array.from({ length: AT_ONCE }, one))
  }
}

const tenants: Tenant[] = []
try {
  for (const size of sizes) tenants.push(await start(size))
  for (const t of tenants) await issue(t, 500) // warm-up
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? tenants : [...tenants].reverse()
    for (const t of order) {
      const cpu = process.cpuUsage()
      await issue(t, requests)
      const used = process.cpuUsage(cpu)
      t.perToken.push((used.user + used.system) / requests)
    }
  }
  const base = tenants[0] as Tenant
  const baseSpread = spreadOf(base.perToken)
  console.log(
    `tenant-scale: ${rounds} alternating rounds of ${requests} token requests (${AT_ONCE} at a time, in process), CPU µs a token`,
  )
  console.log('| clients | start (wall s) | start (CPU s) | µs a token | / the smallest tenant |')
  console.log('|---:|---:|---:|---:|---:|')
  for (const t of tenants) {
    const spread = spreadOf(t.perToken)
    const ratios = t.perToken.map((v, i) => v / (base.perToken[i] as number))
    const ratio = spreadOf(ratios)
    console.log(
      `| ${t.size.toLocaleString('en')} | ${t.startWall.toFixed(2)} | ${t.startCpu.toFixed(2)} | ${spread.median.toFixed(0)} (${spread.min.toFixed(0)}–${spread.max.toFixed(0)}) | ${t === base ? '-' : `${ratio.median.toFixed(2)}x (${ratio.min.toFixed(2)}x–${ratio.max.toFixed(2)}x)`} |`,
    )
  }
  if (baseSpread.rounds !== rounds) throw new Error('a round is missing')
} finally {
  await Promise.all(tenants.map((t) => t.tenant.close()))
}

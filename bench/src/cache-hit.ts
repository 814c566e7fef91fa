/**
 * What a fleet of tokens costs the verifier's cache hit, in process: the
 * plugin's cached path (`verifyCachedAuthorization` on the whole header, then
 * the route's scope check) on headers that all carry one token, against
 * headers that carry 10,000 distinct ones round robin (scenario 2's fleet),
 * each token verified once before. No HTTP and no other process: the
 * difference is the cache's own, the memory a lookup touches when the entries
 * are many (the map's bucket, the entry, the cached header compared in full,
 * its claims and scopes).
 *
 * Alternating rounds (hot, fleet, hot again as the A/A control; the order
 * reversed every other round), each a few passes over 10,000 fresh header
 * strings; prints nanoseconds per request as the median of the rounds with
 * their min–max, and fleet − hot.
 *
 *   pnpm --filter @m2m/bench cache-hit [rounds]
 */
import { generateKeyPairSync } from 'node:crypto'
import { hasAllScopes } from '@m2m/auth/scopes'
import { createVerifier } from '@m2m/auth/verify'
import { deviceId } from './fleet/fleet-tokens.js'
import { base64urlJson, signRs256 } from './runner/compact-jws.js'
import { count, renderText, spreadText } from './runner/format.js'
import { roundOrder, spread } from './runner/rounds.js'

const rounds = Number(process.argv[2] ?? 9)
if (!Number.isInteger(rounds) || rounds < 3) throw new Error('rounds: 3 or more')

const FLEET = 10_000
const PASSES = 20
const ISSUER = 'https://cache-hit.bench.local/'
const AUDIENCE = 'urn:cache-hit'
const REQUIRED = ['geocode:location']

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'cache-hit', alg: 'RS256', use: 'sig' }
const header = base64urlJson({ alg: 'RS256', typ: 'JWT', kid: 'cache-hit' })
const iat = Math.floor(Date.now() / 1000)

/** A device's token in the tenant's form (see `fleet/fleet-tokens.ts`). */
function deviceToken(index: number): string {
  const client = deviceId(index)
  return signRs256(
    header,
    {
      iss: ISSUER,
      sub: `${client}@clients`,
      aud: AUDIENCE,
      iat,
      exp: iat + 86_400,
      scope: 'geocode:location reverse-geocode:location directions:route',
      gty: 'client-credentials',
      azp: client,
    },
    privateKey,
  )
}

/** Each request's header as the HTTP parser gives it: a string of its own. */
const headerOf = (token: string) => Buffer.from(`Bearer ${token}`).toString('latin1')

const verifier = createVerifier({
  issuer: ISSUER,
  audience: AUDIENCE,
  jwks: () => ({ keys: [jwk] }),
})
const tokens = Array.from({ length: FLEET }, (_, i) => deviceToken(i))
for (const token of tokens) await verifier.verify(token)

const sides = {
  hot: tokens.map(() => headerOf(tokens[0] as string)),
  fleet: tokens.map(headerOf),
  'hot-again': tokens.map(() => headerOf(tokens[0] as string)),
}
type SideId = keyof typeof sides

/** Nanoseconds per request over `PASSES` passes of the side's headers. */
function measure(headers: readonly string[]): number {
  let admitted = 0
  const start = process.hrtime.bigint()
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < headers.length; i++) {
      const verified = verifier.verifyCachedAuthorization(headers[i] as string)
      if (verified !== undefined && hasAllScopes(verified.scopes, REQUIRED)) admitted++
    }
  }
  const ns = Number(process.hrtime.bigint() - start) / (PASSES * headers.length)
  if (admitted !== PASSES * headers.length) throw new Error('a request missed the cache')
  return ns
}

// Warm-up: every path optimized before the first round.
for (const headers of Object.values(sides)) measure(headers)

const samples: Record<SideId, number[]> = { hot: [], fleet: [], 'hot-again': [] }
for (let round = 0; round < rounds; round++) {
  for (const id of roundOrder(Object.keys(sides) as SideId[], round)) {
    samples[id].push(measure(sides[id]))
  }
}
await verifier.close()

const nanoseconds = (value: number) => `${count(value)} ns`
const extra = samples.fleet.map((fleet, r) => fleet - (samples.hot[r] as number))
const control = samples['hot-again'].map((again, r) => again - (samples.hot[r] as number))
console.log(
  renderText({
    title: `The verifier's cache hit in process (verifyCachedAuthorization + the route's scope check), ${count(FLEET)} headers × ${PASSES} passes a round, ${rounds} alternating rounds; node ${process.version}`,
    columns: ['tokens', 'ns per request', 'more than one hot token'],
    rows: [
      ['one hot token', spreadText(spread(samples.hot), nanoseconds), '-'],
      [
        `a fleet of ${count(FLEET)} distinct tokens`,
        spreadText(spread(samples.fleet), nanoseconds),
        spreadText(spread(extra), nanoseconds),
      ],
      [
        'one hot token again (A/A control)',
        spreadText(spread(samples['hot-again']), nanoseconds),
        spreadText(spread(control), nanoseconds),
      ],
    ],
  }),
)

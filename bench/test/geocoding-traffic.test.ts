import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { GEOCODE_QUERIES } from '../src/geocoder/queries.js'
import { sendGeocodingTraffic } from '../src/runner/geocoding-traffic.js'

let servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))))
  servers = []
})

/** A server that answers `statusOf(address)` and records what it was asked. */
async function serve(
  statusOf: (address: string) => number,
  seen: Array<{ path: string; authorization: string }>,
): Promise<string> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x')
    seen.push({ path: url.pathname, authorization: request.headers.authorization ?? '' })
    response.statusCode = statusOf(url.searchParams.get('address') ?? '')
    response.end('{}')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('geocoding traffic', () => {
  it('sends the query set round robin with the authorization, 200 and 404 both answers', async () => {
    const seen: Array<{ path: string; authorization: string }> = []
    const missing = GEOCODE_QUERIES[1] as string
    const base = await serve((address) => (address === missing ? 404 : 200), seen)
    const answered = await sendGeocodingTraffic(base, 'Bearer t', 1)
    expect(answered).toBe(seen.length)
    // A second of 20 in flight on loopback goes round the whole set.
    expect(answered).toBeGreaterThan(GEOCODE_QUERIES.length)
    expect(new Set(seen.map(({ path }) => path))).toEqual(new Set(['/api/location/geocode']))
    expect(seen.every(({ authorization }) => authorization === 'Bearer t')).toBe(true)
  })

  it('stops at an answer that is neither 200 nor 404, naming the query', async () => {
    const base = await serve(() => 403, [])
    await expect(sendGeocodingTraffic(base, 'Bearer t', 1)).rejects.toThrow(
      /\/api\/location\/geocode\?address=.* answered 403/,
    )
  })

  it('sends the queries it is given instead, and refuses an empty list', async () => {
    const seen: Array<{ path: string; authorization: string }> = []
    const base = await serve(() => 200, seen)
    const queries = ['Springfield, IL', 'Columbuo', 'Москва']
    const answered = await sendGeocodingTraffic(base, 'Bearer t', 1, queries)
    expect(answered).toBe(seen.length)
    expect(answered).toBeGreaterThan(queries.length)
    await expect(sendGeocodingTraffic(base, 'Bearer t', 1, [])).rejects.toThrow(/no geocoding/)
  })
})

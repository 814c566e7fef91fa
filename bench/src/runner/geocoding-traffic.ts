import { request } from 'undici'
import { GEOCODE_QUERIES } from '../geocoder/queries.js'

const IN_FLIGHT = 20

/**
 * `seconds` of geocoding sent to world-mappers at `base` (`queries` round
 * robin, by default the bench's 54 fixed ones; 20 requests in flight,
 * `authorization` on each): what an
 * app that has served other routes carries into a measurement, as the run's
 * shared world-mappers does by scenario 8. Returns how many were answered;
 * throws at the first answer that is neither 200 nor 404 (a token without
 * `geocode:location`, a server that is not world-mappers).
 */
export async function sendGeocodingTraffic(
  base: string,
  authorization: string,
  seconds: number,
  queries: readonly string[] = GEOCODE_QUERIES,
): Promise<number> {
  if (queries.length === 0) throw new Error('no geocoding queries to send')
  const paths = queries.map((query) => `/api/location/geocode?address=${encodeURIComponent(query)}`)
  const until = Date.now() + seconds * 1000
  let sent = 0
  const loop = async () => {
    while (Date.now() < until) {
      const path = paths[sent++ % paths.length] as string
      const answer = await request(`${base}${path}`, { headers: { authorization } })
      await answer.body.dump()
      // 404: no place of that name, an answer the query set asks for too.
      if (answer.statusCode !== 200 && answer.statusCode !== 404)
        throw new Error(`${path} answered ${answer.statusCode}`)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop))
  return sent
}

import type { FastifyInstance } from 'fastify'
import { noMatch } from '../errors.js'
import { planDirections } from '../geo/directions.js'
import type { Gazetteer, Place } from '../geo/types.js'
import { placeView } from './place-view.js'

const placeParameter = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
} as const

/** `GET /api/directions`: a great-circle route through named towns. */
export async function directionsRoutes(
  app: FastifyInstance,
  opts: { gazetteer: () => Gazetteer; depot: () => Place },
) {
  app.get(
    '/api/directions',
    {
      config: { scopes: ['directions'] },
      schema: {
        summary: 'Directions between two places: a great-circle route through named towns',
        description:
          'Not turn-by-turn road directions: the distance is the great-circle distance, the steps go through towns near that path, and the travel time is an estimate (see estimatedDuration.method).',
        tags: ['directions'],
        querystring: {
          type: 'object',
          required: ['destination'],
          additionalProperties: false,
          properties: {
            origin: {
              ...placeParameter,
              description: 'Place name or "lat,lng"; default: the depot',
            },
            destination: { ...placeParameter, description: 'Place name or "lat,lng"' },
          },
        },
      },
    },
    async (request) => {
      const { origin, destination } = request.query as { origin?: string; destination: string }
      const gazetteer = opts.gazetteer()
      const resolve = (parameter: string, query: string): Place => {
        const best = gazetteer.geocode(query, 1)[0]
        if (!best) throw noMatch(parameter, query)
        return best.place
      }
      const from = origin === undefined ? opts.depot() : resolve('origin', origin)
      const to = resolve('destination', destination)
      const plan = planDirections(gazetteer, from, to)
      return { ...plan, origin: placeView(from), destination: placeView(to) }
    },
  )
}

import { nameFieldsInSchemaErrors } from '@m2m/service-kit'
import type { FastifyInstance } from 'fastify'
import { NoMatchError } from '../errors.js'
import { planDirections } from '../geo/directions.js'
import { parseCoordinates } from '../geo/query-parser.js'
import type { Gazetteer, GeocodeMatch, Place } from '../geo/types.js'
import { directionsAnswerSchema } from './directions-schema.js'
import { placeView, precisionOf } from './place-view.js'

const placeParameter = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
} as const

const MIN_CONFIDENCE = 0.5
/** A point counts as in a town's region and country when it is this close to it. */
const POINT_REGION_KM = 50

/** A caller's exact coordinates as a place, in the region and country of the town beside it. */
function pointPlace(gazetteer: Gazetteer, lat: number, lng: number): Place {
  const near = gazetteer.reverse(lat, lng)
  const inside = near !== undefined && near.distanceKm <= POINT_REGION_KM
  const label = `${lat.toFixed(5)}, ${lng.toFixed(5)}`
  return {
    id: `point:${lat},${lng}`,
    name: label,
    lat,
    lng,
    region: inside ? near.place.region : undefined,
    regionCode: inside ? near.place.regionCode : undefined,
    country: inside ? near.place.country : '',
    countryCode: inside ? near.place.countryCode : '',
    population: 0,
    kind: 'point',
  }
}

function depotMatch(place: Place): GeocodeMatch {
  return { place, confidence: 1, matchedName: place.name }
}

/** An origin or destination: the place, how precisely it places the query, and an address's parts. */
function endpointView(match: GeocodeMatch) {
  return {
    ...placeView(match.place),
    precision: match.precision ?? precisionOf(match.place),
    ...(match.address ? { parsedAddress: match.address } : {}),
  }
}

/** `GET /api/directions`: a great-circle route through named towns. */
export async function directionsRoutes(
  app: FastifyInstance,
  opts: { gazetteer: () => Gazetteer; depot: () => Place },
) {
  nameFieldsInSchemaErrors(app)
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
        response: { 200: directionsAnswerSchema },
      },
    },
    async (request) => {
      const { origin, destination } = request.query as { origin?: string; destination: string }
      const gazetteer = opts.gazetteer()
      const resolve = (parameter: string, query: string): GeocodeMatch => {
        // Coordinates are a destination in themselves, not the nearest town.
        const coordinates = parseCoordinates(query)
        if (coordinates?.valid) {
          const place = pointPlace(gazetteer, coordinates.lat, coordinates.lng)
          return { place, confidence: 1, matchedName: place.name, precision: 'point' }
        }
        const best = gazetteer.geocode(query, 1)[0]
        // Below this, the qualifiers given contradict the match ("Paris, Germany"), or a
        // street address names no town but a region: better a clear 404 than a delivery to
        // another continent.
        if (!best || best.confidence < MIN_CONFIDENCE) throw new NoMatchError(parameter, query)
        return best
      }
      const from = origin === undefined ? depotMatch(opts.depot()) : resolve('origin', origin)
      const to = resolve('destination', destination)
      const plan = planDirections(gazetteer, from.place, to.place)
      return { ...plan, origin: endpointView(from), destination: endpointView(to) }
    },
  )
}

import { nameFieldsInSchemaErrors } from '@m2m/service-kit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { InvalidRequestError, NoMatchError } from '../errors.js'
import type { Gazetteer } from '../geo/types.js'
import { placeView, roundKm } from './place-view.js'

export const geocodeQuerySchema = {
  type: 'object',
  required: ['address'],
  additionalProperties: false,
  properties: {
    address: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '\\S',
      description:
        'A place name with optional qualifiers ("Paris, TX", "Bellevue, WA, US"), or "lat,lng"',
    },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: 20,
      default: 5,
      description: 'Most results returned',
    },
  },
} as const

const reverseQuerySchema = {
  type: 'object',
  required: ['lat', 'lng'],
  additionalProperties: false,
  properties: {
    lat: { type: 'number', minimum: -90, maximum: 90, description: 'Latitude in degrees' },
    lng: { type: 'number', minimum: -180, maximum: 180, description: 'Longitude in degrees' },
  },
} as const

// What a number in a query string may look like: plain decimals. Ajv's coercion
// alone would also take "0x10", "1e2", " 5", "" or "Infinity".
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/
const INTEGER = /^(0|[1-9][0-9]*)$/

/** A preValidation hook refusing numeric query parameters that are not plain decimals. */
function strictNumbers(parameters: Record<string, RegExp>) {
  return async (request: FastifyRequest) => {
    const query = request.query as Record<string, unknown>
    for (const [name, syntax] of Object.entries(parameters)) {
      const value = query[name]
      if (value === undefined) continue
      if (typeof value !== 'string' || value.length > 32 || !syntax.test(value)) {
        const what =
          syntax === INTEGER ? 'an integer such as 5' : 'a decimal number such as 48.8584'
        throw new InvalidRequestError(`querystring/${name} must be ${what}`)
      }
    }
  }
}

/** `GET /api/location/geocode` and `GET /api/location/reverse-geocode`. */
export async function locationRoutes(app: FastifyInstance, opts: { gazetteer: () => Gazetteer }) {
  nameFieldsInSchemaErrors(app)
  app.get(
    '/api/location/geocode',
    {
      config: { scopes: ['geocode:location'] },
      preValidation: strictNumbers({ limit: INTEGER }),
      schema: {
        summary: 'Coordinates of a place name (best match first)',
        description:
          'Names, alternate names and qualifiers ("Paris, TX", "Bellevue, WA, US"), or "lat,lng". A name misspelled by one or two letters is still found: `match` is then `fuzzy` and `matchedName` the name it matched.',
        tags: ['location'],
        querystring: geocodeQuerySchema,
      },
    },
    async (request) => {
      const { address, limit } = request.query as { address: string; limit: number }
      const matches = opts.gazetteer().geocode(address, limit)
      const best = matches[0]
      if (!best) throw new NoMatchError('address', address)
      const results = matches.map((m) => ({
        ...placeView(m.place),
        confidence: m.confidence,
        matchedName: m.matchedName,
        match: m.match ?? 'exact',
      }))
      return { query: address, ...results[0], results }
    },
  )

  app.get(
    '/api/location/reverse-geocode',
    {
      config: { scopes: ['reverse-geocode:location'] },
      preValidation: strictNumbers({ lat: DECIMAL, lng: DECIMAL }),
      schema: {
        summary: 'The nearest named place to coordinates',
        tags: ['location'],
        querystring: reverseQuerySchema,
      },
    },
    async (request) => {
      const { lat, lng } = request.query as { lat: number; lng: number }
      // Ajv coerces "Infinity" to a number and lets it through the bounds.
      for (const [name, value] of [
        ['lat', lat],
        ['lng', lng],
      ] as const) {
        if (!Number.isFinite(value))
          throw new InvalidRequestError(`querystring/${name} must be a finite number`)
      }
      const match = opts.gazetteer().reverse(lat, lng)
      if (!match) throw new NoMatchError('coordinates', `${lat},${lng}`)
      const { place } = match
      return {
        lat,
        lng,
        distanceKm: roundKm(match.distanceKm),
        city: place.name,
        region: place.region ?? null,
        country: place.country,
        countryCode: place.countryCode,
        place: placeView(place),
      }
    },
  )
}
